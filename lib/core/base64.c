/* base64.c -- base64 (RFC 4648) for the bytes that JSON text cannot carry
 *
 * The data gate's profile writes HLL registers and top-k values that are not
 * UTF-8 this way, and the binary profile format checks them, so the decoder
 * is strict: one canonical text per byte string (see include/qgate/base64.h).
 */
#include "qgate/common.h"

#include "qgate/base64.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int qg_base64_encode(struct qg_buf *out, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;
	int ret = qg_buf_grow(out, (len + 2) / 3 * 4);

	for (i = 0; !ret && i + 2 < len; i += 3) {
		uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63] };

		ret = qg_buf_add(out, q, 4);
	}
	if (!ret && i < len) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		q[3] = '=';
		ret = qg_buf_add(out, q, 4);
	}
	return ret;
}

static int b64_val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int qg_base64_decode(void *out, size_t len, const char *text)
{
	uint8_t *o = out;
	size_t tl = strlen(text), k = 0;
	/* the padding the length asks for: 0, 2 ("xx==") or 1 ("xxx=") */
	size_t pad = (3 - len % 3) % 3;

	if (tl != (len + 2) / 3 * 4)
		return QG_EPARSE;
	for (size_t i = 0; i < tl; i += 4) {
		int v[4];
		uint32_t w;

		for (int j = 0; j < 4; j++) {
			int is_pad = i + 4 == tl && (size_t)j >= 4 - pad;

			v[j] = is_pad ? (text[i + j] == '=' ? 0 : -1) : b64_val((unsigned char)text[i + j]);
			if (v[j] < 0)
				return QG_EPARSE;
		}
		w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		/* the bits below the last byte are zero in the canonical text */
		if (i + 4 == tl && pad && (w & (pad == 2 ? 0xffffu : 0xffu)))
			return QG_EPARSE;
		if (k < len)
			o[k++] = (uint8_t)(w >> 16);
		if (k < len)
			o[k++] = (uint8_t)(w >> 8);
		if (k < len)
			o[k++] = (uint8_t)w;
	}
	return 0;
}

int qg_base64_check(const char *text, size_t tl, size_t *len)
{
	size_t pad = 0;

	if (tl % 4)
		return QG_EPARSE;
	if (tl && text[tl - 1] == '=')
		pad = tl >= 2 && text[tl - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < tl - pad; i++)
		if (b64_val((unsigned char)text[i]) < 0)
			return QG_EPARSE;
	/* the bits below the last byte are zero in the canonical text */
	if (pad && (b64_val((unsigned char)text[tl - pad - 1]) & (pad == 2 ? 15 : 3)))
		return QG_EPARSE;
	if (len)
		*len = tl / 4 * 3 - pad;
	return 0;
}
