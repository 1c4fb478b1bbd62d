# servers/nginx-tls.sh -- start nginx with a fresh self-signed certificate on
# 127.0.0.1 (sourced by e2e scripts after lib.sh).
#
#   nginx_tls_start DIR WWW [EXTRA]   make DIR/cert.pem + DIR/key.pem, serve WWW
#                                     over TLS on a free port; EXTRA is config
#                                     text placed inside the TLS server block.
#                                     PLAIN_PORT, when set, adds a plain-HTTP
#                                     server for WWW on that port.
# Sets NGX_PORT, NGX_PID and NGX_CERT; returns 0 when it runs, 77 when nginx
# or openssl is missing (the caller reports a SKIP), 1 when it failed.
free_port() {
	"$DEBIAN_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

nginx_tls_start() {
	_d=$1; _www=$2; _extra=${3:-}
	NGX_PID= NGX_PORT= NGX_CERT=$_d/cert.pem
	_ngx=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
	[ -n "$_ngx" ] && command -v openssl >/dev/null 2>&1 || return 77
	mkdir -p "$_d"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$_d/key.pem" -out "$_d/cert.pem" \
		>"$_d/openssl.log" 2>&1 || return 1
	NGX_PORT=$(free_port)
	_plain=
	[ -n "${PLAIN_PORT:-}" ] && _plain="server { listen 127.0.0.1:$PLAIN_PORT; root $_www; }"
	cat >"$_d/nginx.conf" <<NGX
user $(id -un);
worker_processes 1;
daemon off;
pid $_d/nginx.pid;
error_log $_d/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $_d/body;
	proxy_temp_path $_d/proxy;
	fastcgi_temp_path $_d/fastcgi;
	uwsgi_temp_path $_d/uwsgi;
	scgi_temp_path $_d/scgi;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$NGX_PORT ssl;
		ssl_certificate $_d/cert.pem;
		ssl_certificate_key $_d/key.pem;
		root $_www;
		$_extra
	}
	$_plain
}
NGX
	"$_ngx" -c "$_d/nginx.conf" -p "$_d" >"$_d/out.log" 2>&1 &
	NGX_PID=$!
	_i=0
	while ! "$DEBIAN_PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$NGX_PORT" 2>/dev/null; do
		_i=$((_i + 1))
		if [ "$_i" -gt 50 ] || ! kill -0 "$NGX_PID" 2>/dev/null; then break; fi
		sleep 0.1
	done
	kill -0 "$NGX_PID" 2>/dev/null || { sed 's/^/#   /' "$_d/out.log" "$_d/error.log" 2>/dev/null | head -20; return 1; }
	return 0
}
