#!/usr/bin/env bash
# scripts/pki.sh: a throwaway county PKI with the openssl CLI, for the demo
# and the tests (never for production: keys are unencrypted files).
#
#   scripts/pki.sh ca DIR                 county CA: DIR/ca.crt, DIR/ca.key
#   scripts/pki.sh server DIR NAME        hub server certificate in DIR/NAME/
#                                         (SANs: DNS localhost, IP 127.0.0.1, DNS NAME)
#   scripts/pki.sh client DIR NAME URI    client certificate naming URI, e.g.
#                                         urn:hub:plan:molina, in DIR/NAME/
#   scripts/pki.sh expired DIR NAME URI   the same, valid only in 2020 (expired)
#   scripts/pki.sh revoke DIR NAME        revoke DIR/NAME/tls.crt; rewrite DIR/crl.pem
#   scripts/pki.sh crl DIR                (re)write DIR/crl.pem, the CA's CRL
#
# Each DIR/NAME/ holds tls.crt, tls.key and ca.crt (a Kubernetes TLS secret's
# layout, and hubctl's --tls_dir). Keys are ECDSA P-256. Environment:
# HUB_PKI_DAYS (default 30) sets the validity of new certificates.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[[ -n "$cmd" && -n "$dir" ]] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
days=${HUB_PKI_DAYS:-30}

write_config() {
  cat >"$dir/ca.cnf" <<CNF
[ ca ]
default_ca = county
[ county ]
dir = $dir
database = \$dir/index.txt
serial = \$dir/serial
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir/issued
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
default_md = sha256
default_crl_days = 30
policy = anything
copy_extensions = none
unique_subject = no
[ anything ]
commonName = supplied
organizationName = optional
[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \${ENV::HUB_PKI_SAN}
[ client_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = \${ENV::HUB_PKI_SAN}
CNF
}

issue() {  # NAME CN EXT SAN [startdate enddate]
  local name=$1 cn=$2 ext=$3 san=$4 start=${5:-} end=${6:-}
  local out="$dir/$name"
  mkdir -p "$out"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$out/tls.key" -out "$out/tls.csr" -subj "/O=County Hub/CN=$cn" 2>/dev/null
  local dates=(-days "$days")
  [[ -n "$start" ]] && dates=(-startdate "$start" -enddate "$end")
  HUB_PKI_SAN="$san" openssl ca -batch -notext -config "$dir/ca.cnf" -extensions "$ext" \
    "${dates[@]}" -in "$out/tls.csr" -out "$out/tls.crt" 2>/dev/null
  cp "$dir/ca.crt" "$out/ca.crt"
  rm -f "$out/tls.csr"
  chmod 600 "$out/tls.key"
}

case "$cmd" in
  ca)
    mkdir -p "$dir/issued"
    dir=$(cd "$dir" && pwd)
    : >"$dir/index.txt"
    echo 1000 >"$dir/serial"
    echo 1000 >"$dir/crlnumber"
    write_config
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 -subj "/O=County Hub/CN=County Hub Demo CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      2>/dev/null
    chmod 600 "$dir/ca.key"
    HUB_PKI_SAN=DNS:unused openssl ca -gencrl -config "$dir/ca.cnf" -out "$dir/crl.pem" 2>/dev/null
    ;;
  server)
    dir=$(cd "$dir" && pwd)
    issue "$3" "$3" server_ext "DNS:localhost,IP:127.0.0.1,DNS:$3"
    ;;
  client)
    dir=$(cd "$dir" && pwd)
    issue "$3" "$3" client_ext "URI:$4"
    ;;
  expired)
    dir=$(cd "$dir" && pwd)
    issue "$3" "$3" client_ext "URI:$4" 20200101000000Z 20200201000000Z
    ;;
  revoke)
    dir=$(cd "$dir" && pwd)
    HUB_PKI_SAN=DNS:unused openssl ca -config "$dir/ca.cnf" -revoke "$dir/$3/tls.crt" 2>/dev/null
    HUB_PKI_SAN=DNS:unused openssl ca -gencrl -config "$dir/ca.cnf" -out "$dir/crl.pem" 2>/dev/null
    ;;
  crl)
    dir=$(cd "$dir" && pwd)
    HUB_PKI_SAN=DNS:unused openssl ca -gencrl -config "$dir/ca.cnf" -out "$dir/crl.pem" 2>/dev/null
    ;;
  *)
    echo "pki.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
