/* infer: softmax-regression classifier for wasm32-wasi, as a command or a WAGI handler.
 *
 * Model: $MODEL_PATH, else /model/weights.txt (format in train.py).
 * Command mode (REQUEST_METHOD unset): each non-empty stdin line holds the features,
 *   comma-separated; one JSON object per line on stdout:
 *     {"class":"setosa","probabilities":{"setosa":0.9712,"versicolor":0.0288,"virginica":0.0000}}
 *   A malformed line gives {"error":"..."} and the exit code becomes 1. Model not loadable: exit 2.
 * WAGI mode (REQUEST_METHOD set): the body (CONTENT_LENGTH bytes of stdin, or up to EOF)
 *   is one CSV line or {"features":[...]}; answer: the JSON above. An empty body with GET
 *   answers a model summary; a malformed body answers 400, a missing model 500.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLASSES 16
#define MAX_FEATURES 64
#define MAX_NAME 64
#define MAX_BODY 65536

static int K, D;
static char model_name[MAX_NAME];
static char labels[MAX_CLASSES][MAX_NAME];
static char features[MAX_FEATURES][MAX_NAME];
static double W[MAX_CLASSES][MAX_FEATURES + 1]; /* last column: bias */
static char load_error[256];

static int load_model(void) {
    const char *path = getenv("MODEL_PATH");
    if (!path || !*path) path = "/model/weights.txt";
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(load_error, sizeof load_error, "cannot open model %s: %s", path, strerror(errno));
        return -1;
    }
    int ok = fscanf(f, "%d %d %63s", &K, &D, model_name) == 3 && K >= 2 && K <= MAX_CLASSES &&
             D >= 1 && D <= MAX_FEATURES;
    for (int c = 0; ok && c < K; c++) ok = fscanf(f, "%63s", labels[c]) == 1;
    for (int j = 0; ok && j < D; j++) ok = fscanf(f, "%63s", features[j]) == 1;
    for (int c = 0; ok && c < K; c++)
        for (int j = 0; ok && j <= D; j++) ok = fscanf(f, "%lf", &W[c][j]) == 1 && isfinite(W[c][j]);
    fclose(f);
    if (!ok) {
        snprintf(load_error, sizeof load_error, "malformed model file %s", path);
        return -1;
    }
    return 0;
}

/* Writes s as a JSON string (labels are plain tokens, but escape anyway). */
static void json_str(FILE *out, const char *s) {
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
        else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
        else fputc(ch, out);
    }
    fputc('"', out);
}

static void json_error(FILE *out, const char *msg) {
    fputs("{\"error\":", out);
    json_str(out, msg);
    fputs("}\n", out);
}

/* Parses D numbers separated by commas/whitespace from s[0..len); "" on success,
 * else an error message in err. Stops at end or at `stop` (0 for none). */
static int parse_numbers(const char *s, const char *end, char stop, double *x, char *err, size_t errlen) {
    int n = 0;
    for (;;) {
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) s++;
        if (s == end || (stop && *s == stop)) break;
        if (n > 0) {
            if (*s != ',') goto bad;
            s++;
            while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) s++;
        }
        char buf[64];
        size_t len = 0;
        while (s + len < end && len < sizeof buf - 1 && strchr("+-.0123456789eE", s[len])) len++;
        if (len == 0) goto bad;
        memcpy(buf, s, len);
        buf[len] = 0;
        char *p;
        double v = strtod(buf, &p);
        if (p != buf + len || !isfinite(v)) goto bad;
        if (n == D) {
            snprintf(err, errlen, "expected %d features, got more", D);
            return -1;
        }
        x[n++] = v;
        s += len;
    }
    if (n != D) {
        snprintf(err, errlen, "expected %d features, got %d", D, n);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "expected %d comma-separated numbers", D);
    return -1;
}

/* Accepts a CSV line or a JSON object with a "features" array. */
static int parse_body(const char *s, size_t len, double *x, char *err, size_t errlen) {
    const char *end = s + len;
    while (s < end && strchr(" \t\r\n", *s)) s++;
    if (s < end && *s == '{') {
        const char *key = NULL;
        for (const char *p = s; p + 10 <= end; p++)
            if (memcmp(p, "\"features\"", 10) == 0) { key = p + 10; break; }
        if (!key) {
            snprintf(err, errlen, "JSON body needs a \"features\" array");
            return -1;
        }
        while (key < end && strchr(" \t\r\n", *key)) key++;
        if (key < end && *key == ':') key++;
        while (key < end && strchr(" \t\r\n", *key)) key++;
        if (key == end || *key != '[' || !memchr(key, ']', (size_t)(end - key))) {
            snprintf(err, errlen, "\"features\" must be an array of %d numbers", D);
            return -1;
        }
        return parse_numbers(key + 1, end, ']', x, err, errlen);
    }
    return parse_numbers(s, end, 0, x, err, errlen);
}

static void predict(FILE *out, const double *x) {
    double z[MAX_CLASSES], m = -INFINITY, sum = 0;
    int best = 0;
    for (int c = 0; c < K; c++) {
        z[c] = W[c][D];
        for (int j = 0; j < D; j++) z[c] += W[c][j] * x[j];
        if (z[c] > m) m = z[c];
    }
    for (int c = 0; c < K; c++) sum += (z[c] = exp(z[c] - m));
    for (int c = 0; c < K; c++) {
        z[c] /= sum;
        if (z[c] > z[best]) best = c;
    }
    fputs("{\"class\":", out);
    json_str(out, labels[best]);
    fputs(",\"probabilities\":{", out);
    for (int c = 0; c < K; c++) {
        if (c) fputc(',', out);
        json_str(out, labels[c]);
        fprintf(out, ":%.4f", z[c]);
    }
    fputs("}}\n", out);
}

static int command_mode(void) {
    if (load_model() != 0) {
        fprintf(stderr, "infer: %s\n", load_error);
        return 2;
    }
    int status = 0;
    char line[4096], err[128];
    double x[MAX_FEATURES];
    while (fgets(line, sizeof line, stdin)) {
        size_t len = strlen(line);
        if (strspn(line, " \t\r\n") == len) continue;
        if (parse_numbers(line, line + len, 0, x, err, sizeof err) == 0) {
            predict(stdout, x);
        } else {
            json_error(stdout, err);
            status = 1;
        }
    }
    return status;
}

static void respond_error(const char *status, const char *msg) {
    printf("Status: %s\nContent-Type: application/json\n\n", status);
    json_error(stdout, msg);
}

static int wagi_mode(const char *method) {
    static char body[MAX_BODY + 1];
    const char *cl = getenv("CONTENT_LENGTH");
    size_t want = (cl && *cl) ? strtoul(cl, NULL, 10) : MAX_BODY + 1;
    if (cl && *cl && want > MAX_BODY) {
        respond_error("413 Payload Too Large", "body larger than 65536 bytes");
        return 0;
    }
    size_t len = 0, got;
    while (len < want && len <= MAX_BODY &&
           (got = fread(body + len, 1, (want < MAX_BODY + 1 ? want : MAX_BODY + 1) - len, stdin)) > 0)
        len += got;
    body[len < MAX_BODY ? len : MAX_BODY] = '\0';
    if (len > MAX_BODY) {
        respond_error("413 Payload Too Large", "body larger than 65536 bytes");
        return 0;
    }
    if (load_model() != 0) {
        respond_error("500 Internal Server Error", load_error);
        return 0;
    }
    if (strspn(body, " \t\r\n") >= len) { /* empty body */
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            respond_error("400 Bad Request", "empty body: send features as CSV or {\"features\":[...]}");
            return 0;
        }
        fputs("Content-Type: application/json\n\n{\"model\":", stdout);
        json_str(stdout, model_name);
        fputs(",\"kind\":\"multinomial logistic regression\",\"classes\":[", stdout);
        for (int c = 0; c < K; c++) { if (c) putchar(','); json_str(stdout, labels[c]); }
        fputs("],\"features\":[", stdout);
        for (int j = 0; j < D; j++) { if (j) putchar(','); json_str(stdout, features[j]); }
        fputs("]}\n", stdout);
        return 0;
    }
    char err[128];
    double x[MAX_FEATURES];
    if (memchr(body, 0, len) || parse_body(body, len, x, err, sizeof err) != 0) {
        respond_error("400 Bad Request", memchr(body, 0, len) ? "body contains NUL bytes" : err);
        return 0;
    }
    fputs("Content-Type: application/json\n\n", stdout);
    predict(stdout, x);
    return 0;
}

int main(void) {
    const char *method = getenv("REQUEST_METHOD");
    int rc = method ? wagi_mode(method) : command_mode();
    fflush(stdout);
    return rc;
}
