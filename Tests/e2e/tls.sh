#!/usr/bin/env bash
# TLS on both listeners, with a CA and certificates openssl makes here: curl reads the API over
# HTTPS trusting the CA, and fails without it; the OpenTelemetry SDK exports over OTLP/HTTPS and
# over OTLP/gRPC with TLS; a renewed certificate is served after POST /-/reload; with
# client_ca_file a client without a certificate the CA signed is refused on both ports; a
# missing certificate file stops the start naming the file; headless Chromium loads the pages
# over HTTPS with no console error.
source "$(dirname "$0")/lib/common.bash"
HERE=$(cd "$(dirname "$0")/tls" && pwd)
echo "tls: certificates from openssl, the OpenTelemetry SDK, curl, Chromium"
command -v openssl >/dev/null || { echo "  FAIL openssl is not installed"; E2E_FAILED=1; finish; exit 1; }
D=$E2E_TMP/pki
mkdir -p "$D"

# make_cert NAME CN [SAN]: a key and a certificate the test CA signs.
make_cert() {
    openssl req -new -newkey rsa:2048 -nodes -keyout "$D/$1.key" -subj "/CN=$2" -out "$D/$1.csr" 2>/dev/null
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "${3:-DNS:$2}" >"$D/$1.ext"
    openssl x509 -req -in "$D/$1.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" -CAcreateserial -days 2 \
        -extfile "$D/$1.ext" -out "$D/$1.pem" 2>/dev/null
}
openssl req -x509 -new -newkey rsa:2048 -nodes -keyout "$D/ca.key" -subj "/CN=correlator test CA" -days 2 -out "$D/ca.pem" 2>/dev/null
make_cert server localhost "DNS:localhost,IP:127.0.0.1"
make_cert renewed localhost "DNS:localhost,IP:127.0.0.1"
make_cert client client
check "openssl made a CA, a server, a renewed server and a client certificate" test -s "$D/client.pem"

# serve NAME CONFIG: correlator over TLS; sets URL (https) and GRPC, waits for /readyz.
serve() {
    local name=$1 config=$2
    local port; port=$(free_port)
    GRPC="127.0.0.1:$(free_port)"
    URL="https://127.0.0.1:$port"
    mkdir -p "$E2E_TMP/$name"
    "$CORRELATOR_BIN" serve --data-dir "$E2E_TMP/$name/data" --listen "127.0.0.1:$port" --grpc-listen "$GRPC" --config "$config" \
        >>"$E2E_TMP/$name/correlator.log" 2>&1 &
    E2E_PIDS+=("$!")
    for _ in $(seq 1 450); do
        curl -sf --cacert "$D/ca.pem" ${CLIENT:+--cert "$D/client.pem" --key "$D/client.key"} "$URL/readyz" >/dev/null && return 0
        sleep 0.2
    done
    echo "    correlator did not become ready over TLS:"; tail -5 "$E2E_TMP/$name/correlator.log"; return 1
}
serial() {  # the serial of the certificate the HTTPS port presents
    openssl s_client -connect "${URL#https://}" -CAfile "$D/ca.pem" </dev/null 2>/dev/null | openssl x509 -noout -serial
}

cat >"$E2E_TMP/tls.yaml" <<YAML
tls:
  cert_file: $D/live.pem
  key_file: $D/live.key
YAML
cp "$D/server.pem" "$D/live.pem"; cp "$D/server.key" "$D/live.key"
serve tls "$E2E_TMP/tls.yaml" || { finish; exit 1; }
check "curl --cacert reads the API over HTTPS" sh -c "curl -sf --cacert '$D/ca.pem' '$URL/api/v1/profiles' | grep -q profiles"
check "a client without the CA is refused (curl: certificate problem)" sh -c "! curl -sf '$URL/readyz' 2>/dev/null"
check "plain HTTP to the TLS port gets no answer" sh -c "! curl -sf 'http://${URL#https://}/readyz' 2>/dev/null"
check "TLS 1.1 is refused (minimum TLS 1.2)" sh -c "! openssl s_client -connect '${URL#https://}' -tls1_1 </dev/null >/dev/null 2>&1"
# requests (under the SDK's HTTP exporter) lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override the
# exporter's certificate_file; some machines set them for the system store.
TRACE_HTTP=$(env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE python3 "$HERE/export.py" http "$URL" "$D/ca.pem" 2>"$E2E_TMP/export-http.log")
check "the OpenTelemetry SDK exports over OTLP/HTTPS ($TRACE_HTTP)" sh -c "[ -n '$TRACE_HTTP' ] && curl -sf --cacert '$D/ca.pem' '$URL/api/v1/traces/$TRACE_HTTP' | grep -q 'GET /secure'" || tail -3 "$E2E_TMP/export-http.log"
TRACE_GRPC=$(python3 "$HERE/export.py" grpc "$GRPC" "$D/ca.pem" 2>"$E2E_TMP/export-grpc.log")
check "the OpenTelemetry SDK exports over OTLP/gRPC with TLS ($TRACE_GRPC)" sh -c "[ -n '$TRACE_GRPC' ] && curl -sf --cacert '$D/ca.pem' '$URL/api/v1/traces/$TRACE_GRPC' | grep -q 'GET /secure'" || tail -3 "$E2E_TMP/export-grpc.log"
check "the pages carry the security headers over HTTPS" sh -c "curl -sfI --cacert '$D/ca.pem' '$URL/ui/' | grep -qi '^content-security-policy:.*script-src .self.'"

BEFORE=$(serial)
cp "$D/renewed.pem" "$D/live.pem"; cp "$D/renewed.key" "$D/live.key"
check "POST /-/reload reads the renewed certificate" sh -c "curl -sf --cacert '$D/ca.pem' -X POST '$URL/-/reload' >/dev/null"
AFTER=$(serial)
echo "    served certificate $BEFORE, after reload $AFTER"
check "new handshakes get the renewed certificate" sh -c "[ -n '$AFTER' ] && [ '$BEFORE' != '$AFTER' ] && [ '$AFTER' = '$(openssl x509 -in "$D/renewed.pem" -noout -serial)' ]"
rm "$D/live.key"
check "a reload that cannot read the key answers 400 and keeps serving" sh -c "
  [ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$D/ca.pem' -X POST '$URL/-/reload')\" = 400 ] &&
  curl -sf --cacert '$D/ca.pem' '$URL/readyz' >/dev/null"

echo "-- headless Chromium over HTTPS"
if python3 -c 'import selenium' 2>/dev/null && command -v chromedriver >/dev/null; then
    check "Chromium loads the pages over HTTPS with no console error under the CSP" \
        timeout 120 python3 "$HERE/pages.py" "$URL" "$TRACE_HTTP" "$E2E_ROOT/Tests/e2e/ui"
else
    echo "  FAIL Chromium or selenium missing (make deps)"; E2E_FAILED=$((E2E_FAILED + 1))
fi

echo "-- mutual TLS (client_ca_file)"
cat >"$E2E_TMP/mtls.yaml" <<YAML
tls:
  cert_file: $D/server.pem
  key_file: $D/server.key
  client_ca_file: $D/ca.pem
YAML
CLIENT=1 serve mtls "$E2E_TMP/mtls.yaml" || { finish; exit 1; }
check "with the client certificate: 200" curl -sf --cacert "$D/ca.pem" --cert "$D/client.pem" --key "$D/client.key" "$URL/readyz" -o /dev/null
check "without a client certificate: refused" sh -c "! curl -sf --cacert '$D/ca.pem' '$URL/readyz' 2>/dev/null"
check "gRPC without a client certificate: the export fails" sh -c "! python3 '$HERE/export.py' grpc '$GRPC' '$D/ca.pem' >/dev/null 2>&1"
check "gRPC with the client certificate: stored" sh -c "python3 '$HERE/export.py' grpc '$GRPC' '$D/ca.pem' '$D/client.pem' '$D/client.key' | grep -Eq '^[0-9a-f]{32}$'"

echo "-- a missing certificate file"
cat >"$E2E_TMP/missing.yaml" <<YAML
tls:
  cert_file: $D/nope.pem
  key_file: $D/server.key
YAML
"$CORRELATOR_BIN" serve --data-dir "$E2E_TMP/missing/data" --listen "127.0.0.1:$(free_port)" --grpc-listen off --config "$E2E_TMP/missing.yaml" \
    >"$E2E_TMP/missing.log" 2>&1
status=$?
check "the start fails ($status) naming the file" sh -c "[ $status -ne 0 ] && grep -q 'nope.pem' '$E2E_TMP/missing.log'"
finish
