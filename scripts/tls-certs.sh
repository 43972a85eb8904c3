#!/usr/bin/env bash
# Makes the certificates the TLS tests and benchmarks use, in DIR (default ./tls-test-certs):
#   ca.pem / ca.key            a test CA
#   server.pem / server.key    for 127.0.0.1 and localhost, chain = server + CA
#   server2.pem / server2.key  a second server certificate, by other-ca (for the rotation test: a client
#                              that trusts only other-ca.pem connects once it is served)
#   client.pem / client.key    CN=ci,O=AegisGuard Test with URI SAN spiffe://aegis.test/ci
#   other-client.pem / .key    CN=ci, signed by another CA (other-ca.pem): must be refused
#   expired-client.pem / .key  CN=expired, by the test CA, valid only in 2020: must be refused
# Needs openssl (Debian's `openssl`, installed when missing).
set -euo pipefail
dir=${1:-./tls-test-certs}
command -v openssl >/dev/null || { sudo -n apt-get install -y openssl >/dev/null 2>&1 || apt-get install -y openssl >/dev/null; }
mkdir -p "$dir"
cd "$dir"
quiet() { "$@" >/dev/null 2>&1 || { echo "tls-certs: failed: $*" >&2; "$@"; exit 1; }; }

ca() { # name subject
  quiet openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 3650 \
    -subj "$2" -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
leaf() { # name subject ca extensions [startdate enddate]
  quiet openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
  printf '%s\n' "$4" > "$1.ext"
  if [ $# -ge 6 ]; then
    # `openssl ca` is the only 3.0 way to set both dates (the expired certificate).
    rm -rf ca-db && mkdir ca-db && : > ca-db/index && echo 1000 > ca-db/serial
    cat > ca-db/conf <<CONF
[ca]
default_ca = test
[test]
database = ca-db/index
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
organizationName = optional
CONF
    quiet openssl ca -batch -config ca-db/conf -cert "$3.pem" -keyfile "$3.key" -in "$1.csr" -out "$1.pem" \
      -startdate "$5" -enddate "$6" -extfile "$1.ext" -notext
    rm -rf ca-db
  else
    quiet openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 825 -extfile "$1.ext"
  fi
  rm -f "$1.csr" "$1.ext"
}

ca ca "/CN=AegisGuard Test CA"
ca other-ca "/CN=Another CA"
server_ext=$'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature'
client_ext=$'subjectAltName=URI:spiffe://aegis.test/ci\nextendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature'
leaf server "/CN=localhost" ca "$server_ext"
leaf server2 "/CN=localhost rotated" other-ca "$server_ext"
cat ca.pem >> server.pem
cat other-ca.pem >> server2.pem
leaf client "/O=AegisGuard Test/CN=ci" ca "$client_ext"
leaf other-client "/CN=ci" other-ca "$client_ext"
leaf expired-client "/CN=expired" ca $'extendedKeyUsage=clientAuth' 20200101000000Z 20200201000000Z
rm -f ./*.srl
echo "$PWD"
