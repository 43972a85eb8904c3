#!/usr/bin/env python3
"""Trains the iris classifier and writes model/weights.txt and model/model-card.md.

Multinomial logistic regression (softmax) on the 4 Iris measurements, fitted by full-batch
gradient descent on standardized features; the standardization is folded into the exported
weights, so inference is  p = softmax(W x + b)  on raw centimetres.
Pure Python (no dependencies) and deterministic: data/iris.csv, seeded stratified split.

weights.txt format (whitespace-separated):
  line 1: <classes K> <features D> <model name>
  line 2: K class labels
  line 3: D feature names
  then K lines: D weights followed by the bias of that class
"""
import csv
import math
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
NAME = "iris-classifier-1.0.0"
SEED, HELD_OUT_PER_CLASS = 42, 10
EPOCHS, LR, L2 = 3000, 0.1, 1e-3


def load():
    with open(HERE / "data" / "iris.csv", newline="") as f:
        rows = list(csv.reader(f))
    features, rows = rows[0][:-1], rows[1:]
    labels = sorted({r[-1] for r in rows})
    data = [([float(v) for v in r[:-1]], labels.index(r[-1])) for r in rows]
    return features, labels, data


def split(data, k):
    rng = random.Random(SEED)
    train, test = [], []
    for c in range(k):
        rows = [r for r in data if r[1] == c]
        rng.shuffle(rows)
        test += rows[:HELD_OUT_PER_CLASS]
        train += rows[HELD_OUT_PER_CLASS:]
    return train, test


def softmax(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = sum(e)
    return [v / s for v in e]


def fit(train, k, d):
    n = len(train)
    mean = [sum(x[j] for x, _ in train) / n for j in range(d)]
    std = [math.sqrt(sum((x[j] - mean[j]) ** 2 for x, _ in train) / n) for j in range(d)]
    xs = [([(x[j] - mean[j]) / std[j] for j in range(d)], y) for x, y in train]
    w = [[0.0] * d for _ in range(k)]
    b = [0.0] * k
    for _ in range(EPOCHS):
        gw = [[L2 * w[c][j] for j in range(d)] for c in range(k)]
        gb = [0.0] * k
        for x, y in xs:
            p = softmax([sum(w[c][j] * x[j] for j in range(d)) + b[c] for c in range(k)])
            for c in range(k):
                err = (p[c] - (c == y)) / n
                gb[c] += err
                for j in range(d):
                    gw[c][j] += err * x[j]
        for c in range(k):
            b[c] -= LR * gb[c]
            for j in range(d):
                w[c][j] -= LR * gw[c][j]
    # Fold standardization in: w·(x-mean)/std + b = (w/std)·x + (b - Σ w·mean/std)
    wr = [[w[c][j] / std[j] for j in range(d)] for c in range(k)]
    br = [b[c] - sum(w[c][j] * mean[j] / std[j] for j in range(d)) for c in range(k)]
    return wr, br


def predict(w, b, x):
    p = softmax([sum(wc[j] * x[j] for j in range(len(x))) + bc for wc, bc in zip(w, b)])
    return max(range(len(p)), key=p.__getitem__), p


def accuracy(w, b, rows):
    return sum(predict(w, b, x)[0] == y for x, y in rows) / len(rows)


def main():
    features, labels, data = load()
    k, d = len(labels), len(features)
    train, test = split(data, k)
    w, b = fit(train, k, d)
    acc_train, acc_test = accuracy(w, b, train), accuracy(w, b, test)
    confusion = [[0] * k for _ in range(k)]
    for x, y in test:
        confusion[y][predict(w, b, x)[0]] += 1

    out = HERE / "model"
    out.mkdir(exist_ok=True)
    lines = [f"{k} {d} {NAME}", " ".join(labels), " ".join(features)]
    lines += [" ".join(f"{v:.9g}" for v in w[c] + [b[c]]) for c in range(k)]
    (out / "weights.txt").write_text("\n".join(lines) + "\n")

    conf = "\n".join(
        f"| {labels[i]} | " + " | ".join(str(v) for v in confusion[i]) + " |" for i in range(k))
    (out / "model-card.md").write_text(f"""# Model card: {NAME}

- **Model**: multinomial logistic regression (softmax), {k} classes × {d} features + bias,
  {k * (d + 1)} parameters in `weights.txt`. Trained by `train.py` (pure Python, deterministic:
  full-batch gradient descent, {EPOCHS} epochs, learning rate {LR}, L2 {L2}, on standardized
  features; the standardization is folded into the exported weights).
- **Intended use**: a demonstration of serving a model from an OCI registry inside a WebAssembly
  sandbox (read-only model mount, WAGI). Predicts the species of an Iris flower from four
  measurements in centimetres: {", ".join(features)}.
- **Dataset**: Fisher's Iris data (UCI Machine Learning Repository, CC BY 4.0), 150 rows,
  50 per species, as bundled with scikit-learn; committed as `data/iris.csv`.
- **Evaluation**: stratified split with seed {SEED}: {len(train)} training rows, {len(test)}
  held-out rows ({HELD_OUT_PER_CLASS} per species) never seen in training.
  Held-out accuracy **{acc_test:.1%}** ({round(acc_test * len(test))}/{len(test)});
  training accuracy {acc_train:.1%}.

  | actual ↓ predicted → | {" | ".join(labels)} |
  |---|{"---|" * k}
{chr(10).join("  " + l for l in conf.splitlines())}

- **Limitations**: 30 test rows give a coarse estimate (one error = 3.3 points). Only the three
  species of the training data can be predicted; any input, even a non-iris one or nonsense
  measurements, gets one of them, with probabilities that are not calibrated for such inputs.
  Versicolor and virginica overlap, so errors concentrate there. Not for any real decision.
""")
    print(f"train accuracy {acc_train:.4f}, held-out accuracy {acc_test:.4f}")


if __name__ == "__main__":
    main()
