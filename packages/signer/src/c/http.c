/* binaryfs runtime: the HTTP/1.1 client of the policy service (launch.c): one request to host:port over TCP, retried
 * until the policy service answers or CONFIDENTIAL_SIM_CAS_TIMEOUT (s, default 30) passes; the status and the body
 * (chunked transfer encoding undone, the headers wiped) in a malloc'ed buffer. Dies naming the address on any
 * failure: a program whose policy cannot be fetched does not start. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "bfs.h"

#define die bfs_die

char *bfs_http(const char *method, const char *addr, const char *target, const char *form, int *status, size_t *body_len) {
  char host[256], port[16] = "8081";
  const char *colon = strrchr(addr, ':');
  size_t hl = colon ? (size_t)(colon - addr) : strlen(addr);
  if (hl == 0 || hl >= sizeof host) die("SCONE_CAS_ADDR \"%s\": expected host:port", addr);
  memcpy(host, addr, hl); host[hl] = '\0';
  if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { memmove(host, host + 1, hl - 2); host[hl - 2] = '\0'; } /* [::1]:8081 */
  if (colon) { if (strlen(colon + 1) == 0 || strlen(colon + 1) >= sizeof port) die("SCONE_CAS_ADDR \"%s\": expected host:port", addr); strcpy(port, colon + 1); }
  const char *t = getenv("CONFIDENTIAL_SIM_CAS_TIMEOUT");
  int timeout = t ? atoi(t) : 30;
  if (timeout < 1) timeout = 1;
  time_t deadline = time(NULL) + timeout;
  int fd = -1;
  const char *why = "";
  for (;;) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g == 0) {
      for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        struct timeval tv = { 10, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
        why = strerror(errno);
        REAL(close)(fd);
        fd = -1;
      }
      freeaddrinfo(res);
    } else {
      why = gai_strerror(g);
    }
    if (fd >= 0 || time(NULL) >= deadline) break;
    struct timespec ts = { 0, 250 * 1000 * 1000 };
    nanosleep(&ts, NULL);
  }
  if (fd < 0) die("cannot reach the policy service at %s (%s) within %d s; refusing to start", addr, why, timeout);
  char req[2048];
  int rl = form ? snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: %s\r\nAccept: text/plain\r\nConnection: close\r\n"
                                            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
                           method, target, addr, strlen(form), form)
                : snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: %s\r\nAccept: text/plain\r\nConnection: close\r\n\r\n", method, target, addr);
  if (rl < 0 || (size_t)rl >= sizeof req) die("policy request too long");
  for (int off = 0; off < rl;) {
    ssize_t w = REAL(write)(fd, req + off, (size_t)(rl - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) die("policy service %s: write failed: %s", addr, strerror(errno));
    off += (int)w;
  }
  explicit_bzero(req, sizeof req); /* a form may carry a writer token */
  size_t cap = 16384, n = 0;
  char *buf = malloc(cap + 1);
  if (!buf) die("out of memory");
  for (;;) {
    if (n == cap) { cap *= 2; buf = realloc(buf, cap + 1); if (!buf) die("out of memory"); }
    ssize_t r = REAL(read)(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) die("policy service %s: read failed: %s", addr, strerror(errno));
    if (r == 0) break;
    n += (size_t)r;
  }
  REAL(close)(fd);
  buf[n] = '\0';
  if (sscanf(buf, "HTTP/1.%*d %d", status) != 1) die("policy service %s: not an HTTP response", addr);
  char *hdr_end = strstr(buf, "\r\n\r\n");
  if (!hdr_end) die("policy service %s: incomplete HTTP response", addr);
  char *body = hdr_end + 4;
  size_t blen = n - (size_t)(body - buf);
  /* chunked transfer encoding */
  *hdr_end = '\0';
  int chunked = 0;
  for (char *h = strstr(buf, "\r\n"); h; h = strstr(h + 2, "\r\n")) {
    if (strncasecmp(h + 2, "transfer-encoding:", 18) == 0 && strstr(h + 20, "chunked")) chunked = 1;
  }
  if (chunked) {
    char *out = body, *p = body, *e = body + blen;
    size_t total = 0;
    while (p < e) {
      unsigned long sz = strtoul(p, NULL, 16);
      char *crlf = strstr(p, "\r\n");
      if (!crlf) break;
      if (sz == 0) break;
      p = crlf + 2;
      if ((size_t)(e - p) < sz) die("policy service %s: truncated chunked body", addr);
      memmove(out + total, p, sz);
      total += sz;
      p += sz + 2;
    }
    blen = total;
  }
  memmove(buf, body, blen);
  explicit_bzero(buf + blen, n - blen);
  buf[blen] = '\0';
  *body_len = blen;
  return buf;
}
