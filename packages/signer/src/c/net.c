/* binaryfs runtime, the network shield's serving layer: TLS 1.3 around the TCP connections the policy names, for
 * every call the interposer sees (named libc functions and syscall() alike). The program reads and writes plain
 * bytes; the wire carries TLS (OpenSSL's libssl, linked statically and hidden, like the file shield's libcrypto).
 *
 * Configured from the policy's environment (SCONE's network-shield convention, read by bfs_net_configure):
 *   SCONE_NETWORK_SHIELD                  disabled | unprotected (the default once a port is named); protected refuses
 *   SCONE_NETWORK_SHIELD_SERVER_<id>_PORT incoming: connections accepted on this local port are TLS servers
 *   SCONE_NETWORK_SHIELD_SERVER_<id>      tls | mutual-tls (client certificates required, chaining to _CA)
 *   SCONE_NETWORK_SHIELD_SERVER_<id>_CERT / _KEY / _CA   paths of injected files (PEM): chain, key, client CA
 *   SCONE_NETWORK_SHIELD_CLIENT_<id>_HOST / _PORT        outgoing: connects to this destination are TLS clients
 *   SCONE_NETWORK_SHIELD_CLIENT_<id>      tls | mutual-tls (the shield presents _CERT/_KEY)
 *   SCONE_NETWORK_SHIELD_CLIENT_<id>_CA   the CA the peer must chain to; _SERVER_NAME (default _HOST) is verified
 *   SCONE_NETWORK_SHIELD_{SERVER,CLIENT}_<id>_ALPN        comma-separated protocols (h2, http/1.1); none: no ALPN
 *
 * How a connection works:
 * - accept/accept4 on a wrapped port and connect to a wrapped destination give the program its fd as usual; the fd
 *   is a connection of the table (ctab). The handshake is not run there: it is driven by the program's own reads and
 *   writes, so accept and connect never wait for a peer, and a slow or hostile peer holds up only its connection.
 * - All TLS I/O goes through a BIO that calls recv/send with MSG_DONTWAIT (libc's syscall()): OpenSSL never blocks,
 *   so a connection's lock (one thread at a time in its SSL state) is never held across a wait. A blocking fd waits
 *   with poll outside the lock.
 * - Readiness is honest: EAGAIN only when OpenSSL has nothing decrypted and the socket has nothing; plaintext left
 *   in OpenSSL after a read is reported readable by epoll_wait (once for edge-triggered registrations, while it lasts
 *   for level-triggered ones) and poll; a reader that needs the socket writable (the handshake's flight) is woken
 *   when it is, and a writer that needs the peer's bytes when they come.
 * - sendfile and splice into a wrapped socket are served through a buffer; splice out of one, MSG_OOB, sendmmsg and
 *   recvmmsg are refused with EINVAL / EOPNOTSUPP (Go then copies through read/write). A wrapped fd is close-on-exec
 *   and stays so (a child would write plaintext on it): clearing FD_CLOEXEC or dup2 without it is EPERM.
 * - A failed handshake or a bad record: ECONNRESET to the program, the socket is shut down, a line on stderr (the
 *   first few, then every 1000th). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "bfs.h"

#define PASS BFS_PASS
#define sys bfs_sys
int bfs_net_n;

/* the environment's SCONE_NETWORK_SHIELD* variables (the policy's): does any say something? */
static int any_shield_variable(char **env, const char **first) {
  for (char **e = env; e && *e; e++)
    if (strncmp(*e, "SCONE_NETWORK_SHIELD", 20) == 0 && ((*e)[20] == '=' || (*e)[20] == '_')) { *first = *e; return 1; }
  return 0;
}

#ifndef BFS_NO_SHIELD
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

static long fail(int err) { errno = err; return -1; }

#define MAX_PORTS 16
#define MAX_ADDRS 8
#define MAX_ALPN 64

struct port { /* an incoming (server) or outgoing (client) declaration */
  char id[40];
  int server, mutual;
  int port;
  char host[256], server_name[256];    /* client */
  SSL_CTX *ctx;
  unsigned char alpn[MAX_ALPN]; size_t alpn_len; /* wire format */
  struct sockaddr_storage addrs[MAX_ADDRS]; int n_addrs; /* client: _HOST's addresses (resolved again on a miss) */
  pthread_mutex_t resolve_mu;
};
static struct port ports[MAX_PORTS];
static int n_ports, n_servers;

struct conn {
  pthread_mutex_t mu;
  int refs;                 /* the table's entries (one per fd: dups share) + calls in flight; 0: free */
  SSL *ssl;
  struct port *p;
  int nonblock;             /* O_NONBLOCK, as of the wrap and every F_SETFL / FIONBIO since (named or syscall()) */
  int dead;                 /* handshake or record failure: every call ECONNRESET */
  int eof;                  /* the peer's close_notify (or its plain close) was read: reads return 0 */
  int reader_wants_write, writer_wants_read;
  int pending_edge;         /* plaintext left in OpenSSL after a read, not yet reported by epoll_wait */
  int ep_fd; uint32_t ep_events; uint64_t ep_data; /* its epoll registration (one; what Go makes), as the program asked */
  int disarmed;             /* EPOLLONESHOT: an event went out (or the program is at work on the fd) since the last arm */
  int fd;
  char peer[64];
  struct conn *next_free;
  struct conn *fprev, *fnext; /* the flagged list */
};
static struct conn *ctab[BFS_FDTAB];
/* A stand-in table entry while a wrapped fd is being closed: calls on the fd get EBADF, never the kernel's plaintext
 * path, until the kernel's close returned. */
static struct conn closing;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn *free_conns;
/* the flagged conns (pending_edge or a cross-direction want), under pool_mu: epoll_wait looks at these only */
static struct conn *flist;
static int n_flagged;
static void unlist(struct conn *c) { /* under pool_mu */
  if (c->fprev) c->fprev->fnext = c->fnext; else flist = c->fnext;
  if (c->fnext) c->fnext->fprev = c->fprev;
  c->fprev = c->fnext = NULL;
  __atomic_sub_fetch(&n_flagged, 1, __ATOMIC_RELEASE);
}
static BIO_METHOD *bio_method;

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
  static unsigned long count;
  unsigned long k = __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);
  if (k >= 10 && k % 1000 != 0) return;
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = snprintf(line, sizeof line, "confidential-sim: network shield: ");
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  size_t len = (size_t)n + (m > 0 ? ((size_t)m < sizeof line - (size_t)n - 1 ? (size_t)m : sizeof line - (size_t)n - 2) : 0);
  line[len++] = '\n';
  (void)sys(SYS_write, 2, (long)line, (long)len, 0, 0, 0);
}

/* ---- the BIO: recv/send on the fd, never blocking, never SIGPIPE ---- */
static int bio_write(BIO *b, const char *buf, int n) {
  long r = sys(SYS_sendto, (long)BIO_get_data(b), (long)buf, n, MSG_DONTWAIT | MSG_NOSIGNAL, 0, 0);
  BIO_clear_retry_flags(b);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) BIO_set_retry_write(b);
  return (int)r;
}
static int bio_read(BIO *b, char *buf, int n) {
  long r = sys(SYS_recvfrom, (long)BIO_get_data(b), (long)buf, n, MSG_DONTWAIT, 0, 0);
  BIO_clear_retry_flags(b);
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) BIO_set_retry_read(b);
  return (int)r;
}
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  (void)b; (void)num; (void)ptr;
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}
static int bio_create(BIO *b) { BIO_set_init(b, 1); return 1; }

/* ---- the connection table ---- */
/* on the flagged list: something to report, and an EPOLLONESHOT registration armed */
static int is_flagged(const struct conn *c) { return (c->pending_edge || c->reader_wants_write || c->writer_wants_read) && !c->disarmed; }
/* a reference to c unless it is free (structs are pooled, never returned to malloc, so c stays readable) */
static int ref_get(struct conn *c) {
  int refs = __atomic_load_n(&c->refs, __ATOMIC_RELAXED);
  do {
    if (refs == 0) return 0;
  } while (!__atomic_compare_exchange_n(&c->refs, &refs, refs + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  return 1;
}
static void release(struct conn *c) {
  if (c == &closing || __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
  pthread_mutex_lock(&pool_mu);
  if (is_flagged(c)) unlist(c);
  c->pending_edge = c->reader_wants_write = c->writer_wants_read = c->disarmed = 0;
  SSL_free(c->ssl);
  c->ssl = NULL;
  c->next_free = free_conns, free_conns = c;
  pthread_mutex_unlock(&pool_mu);
}
static struct conn *acquire(int fd) {
  if (fd < 0 || fd >= BFS_FDTAB) return NULL;
  struct conn *c = __atomic_load_n(&ctab[fd], __ATOMIC_ACQUIRE);
  if (c == &closing) return c; /* no reference: callers answer EBADF */
  if (!c || !ref_get(c)) return NULL;
  if (__atomic_load_n(&ctab[fd], __ATOMIC_ACQUIRE) != c) { release(c); return NULL; } /* closed meanwhile */
  return c;
}
/* under c->mu, after a change of c's flags or disarmed: on the flagged list as is_flagged says, keeping the count */
static void relist(struct conn *c, int before) {
  int after = is_flagged(c);
  if (before == after) return;
  pthread_mutex_lock(&pool_mu);
  if (after) {
    c->fprev = NULL, c->fnext = flist;
    if (flist) flist->fprev = c;
    flist = c;
    __atomic_add_fetch(&n_flagged, 1, __ATOMIC_RELEASE);
  } else unlist(c);
  pthread_mutex_unlock(&pool_mu);
}
static void set_flags(struct conn *c, int pending, int rww, int wwr) {
  int before = is_flagged(c);
  c->pending_edge = pending, c->reader_wants_write = rww, c->writer_wants_read = wwr;
  relist(c, before);
}
/* EPOLLONESHOT: the program reads or writes only after an event, so the registration is spent; the next arm
 * (EPOLL_CTL_MOD) looks at what is pending then */
static void set_disarmed(struct conn *c, int d) {
  int before = is_flagged(c);
  c->disarmed = d;
  relist(c, before);
}
static void spent(struct conn *c) { if (c->ep_events & EPOLLONESHOT) set_disarmed(c, 1); }

static void peer_name(int fd, char *out, size_t n) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  char host[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (sys(SYS_getpeername, fd, (long)&ss, (long)&len, 0, 0, 0) == 0) {
    if (ss.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host), port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof host), port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  }
  snprintf(out, n, "%s:%d", host, port);
}

static int nonblocking(int fd) {
  long fl = sys(SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
  return fl >= 0 && (fl & O_NONBLOCK);
}

/* Makes fd a connection of p (server or client side); fd is close-on-exec from here on. 0, or -1 (the caller closes
 * the fd: a wrapped port never hands out an unwrapped connection). */
static int wrap(int fd, struct port *p) {
  if (fd >= BFS_FDTAB) return -1;
  pthread_mutex_lock(&pool_mu);
  struct conn *c = free_conns;
  if (c) free_conns = c->next_free;
  pthread_mutex_unlock(&pool_mu);
  if (!c) {
    c = calloc(1, sizeof *c);
    if (!c) return -1;
    pthread_mutex_init(&c->mu, NULL);
  }
  SSL *ssl = SSL_new(p->ctx);
  BIO *bio = ssl ? BIO_new(bio_method) : NULL;
  if (!bio) goto refuse;
  BIO_set_data(bio, (void *)(long)fd);
  SSL_set_bio(ssl, bio, bio);
  if (p->server) SSL_set_accept_state(ssl);
  else {
    SSL_set_connect_state(ssl);
    unsigned char ip[16];
    int named;
    if (inet_pton(AF_INET, p->server_name, ip) == 1 || inet_pton(AF_INET6, p->server_name, ip) == 1) {
      named = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), p->server_name) == 1; /* an address: its IP SAN, no SNI */
    } else {
      named = SSL_set_tlsext_host_name(ssl, p->server_name) == 1 && SSL_set1_host(ssl, p->server_name) == 1;
    }
    if (!named) goto refuse; /* without the name to verify, any certificate of the CA would do: no connection */
    if (p->alpn_len) SSL_set_alpn_protos(ssl, p->alpn, (unsigned)p->alpn_len);
  }
  c->ssl = ssl, c->p = p, c->nonblock = nonblocking(fd), c->dead = 0, c->eof = 0, c->fd = fd;
  c->reader_wants_write = c->writer_wants_read = c->pending_edge = c->disarmed = 0;
  c->ep_fd = -1;
  peer_name(fd, c->peer, sizeof c->peer);
  (void)sys(SYS_fcntl, fd, F_SETFD, FD_CLOEXEC, 0, 0, 0);
  __atomic_store_n(&c->refs, 1, __ATOMIC_RELEASE);
  struct conn *old = __atomic_exchange_n(&ctab[fd], c, __ATOMIC_ACQ_REL);
  if (old) release(old); /* a stale entry: the fd number was closed behind the interposer's back */
  return 0;
refuse:
  SSL_free(ssl); /* the BIO, once set, is the SSL's */
  pthread_mutex_lock(&pool_mu);
  c->next_free = free_conns, free_conns = c;
  pthread_mutex_unlock(&pool_mu);
  return -1;
}

/* in a child of fork (a clone without CLONE_VM): its copies of the connections are the parent's, which still uses
 * them; the child never speaks TLS on them (close_notify included) */
static int forked;
void bfs_net_forked(void) { forked = 1; }

/* the fd leaves the table: notify (close: send close_notify when this is the connection's last fd), or just drop it
 * (dup2 over the fd, whose number already names another file) */
static void forget(int fd, int notify, struct conn *stand_in) {
  if (fd < 0 || fd >= BFS_FDTAB) return;
  struct conn *c = __atomic_exchange_n(&ctab[fd], stand_in, __ATOMIC_ACQ_REL);
  if (!c || c == &closing) return;
  if (notify && !forked) {
    pthread_mutex_lock(&c->mu);
    if (__atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) == 1 && !c->dead && SSL_is_init_finished(c->ssl)) SSL_shutdown(c->ssl); /* best effort */
    pthread_mutex_unlock(&c->mu);
  }
  release(c);
}

/* ---- reads and writes ---- */
/* under c->mu: does OpenSSL hold plaintext, or record bytes it read from the socket, that no read has taken yet? */
static int has_plaintext(struct conn *c) { return SSL_pending(c->ssl) > 0 || SSL_has_pending(c->ssl); }


/* a blocking call's wait for the socket: as long as the program's SO_RCVTIMEO (reads) or SO_SNDTIMEO (writes) says,
 * then EAGAIN, as the kernel's recv/send on a blocking socket with that option */
static int wait_fd(int fd, short events, int timeo_opt) {
  struct pollfd p = { .fd = fd, .events = events };
  struct timeval tv = { 0, 0 };
  socklen_t len = sizeof tv;
  int limited = sys(SYS_getsockopt, fd, SOL_SOCKET, timeo_opt, (long)&tv, (long)&len, 0) == 0 && (tv.tv_sec || tv.tv_usec);
  struct timespec ts = { tv.tv_sec, tv.tv_usec * 1000 };
  long r;
  do r = sys(SYS_ppoll, (long)&p, 1, limited ? (long)&ts : 0, 0, 8, 0); while (r < 0 && errno == EINTR);
  if (r == 0) return (int)fail(EAGAIN);
  return r < 0 ? -1 : 0;
}

/* the outcome of an SSL call that did not succeed: -1 with errno, or 1 to wait for `*events` and retry */
static int failed(struct conn *c, int ret, const char *what, short *events) {
  int e = SSL_get_error(c->ssl, ret);
  if (e == SSL_ERROR_WANT_READ) { *events = POLLIN; return 1; }
  if (e == SSL_ERROR_WANT_WRITE) { *events = POLLOUT; return 1; }
  if (e == SSL_ERROR_ZERO_RETURN) { c->eof = 1; return 0; }
  int saved = errno;
  if ((e == SSL_ERROR_SYSCALL && !saved && !ERR_peek_error()) ||
      (e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
    ERR_clear_error(); /* the peer closed without close_notify: the stream may be cut short, so no clean end */
    c->dead = errno = ECONNRESET;
    return -1;
  }
  unsigned long code = ERR_peek_last_error();
  char reason[160] = "";
  if (code) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  if (e == SSL_ERROR_SYSCALL && saved && saved != EAGAIN) { c->dead = saved; errno = saved; return -1; }
  c->dead = errno = ECONNRESET;
  report("%s %s :%d %s %s: %s failed: %s", c->p->server ? "incoming" : "outgoing", c->p->server ? "on" : "to", c->p->port,
         c->p->server ? "from" : "at", c->peer, what, reason[0] ? reason : "the peer closed the connection");
  (void)sys(SYS_shutdown, c->fd, SHUT_RDWR, 0, 0, 0, 0);
  errno = ECONNRESET;
  return -1;
}

/* plaintext into buf; flags: MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL */
static long conn_read(struct conn *c, void *buf, size_t n, int flags) {
  if (flags & ~(MSG_PEEK | MSG_DONTWAIT | MSG_WAITALL | MSG_NOSIGNAL | MSG_CMSG_CLOEXEC)) return fail(EOPNOTSUPP);
  if ((flags & MSG_PEEK) && (flags & MSG_WAITALL)) flags &= ~MSG_WAITALL; /* SSL_peek restarts at the front: one peek */
  size_t got = 0;
  for (;;) {
    pthread_mutex_lock(&c->mu);
    if (c->dead) { pthread_mutex_unlock(&c->mu); return got ? (long)got : fail(c->dead); }
    if (c->eof) { pthread_mutex_unlock(&c->mu); return (long)got; }
    ERR_clear_error();
    errno = 0;
    size_t k = 0;
    int ok = n == 0 ? 1 : (flags & MSG_PEEK) ? SSL_peek_ex(c->ssl, (char *)buf + got, n - got, &k) : SSL_read_ex(c->ssl, (char *)buf + got, n - got, &k);
    short events = 0;
    int st = ok ? 2 : failed(c, 0, SSL_is_init_finished(c->ssl) ? "read" : "handshake", &events);
    if (st == 2) got += k;
    int pending = has_plaintext(c);
    spent(c);
    set_flags(c, got > 0 && pending, st == 1 && events == POLLOUT, c->writer_wants_read);
    pthread_mutex_unlock(&c->mu);
    if (st == 2 && (got == n || !(flags & MSG_WAITALL) || n == 0)) return (long)got;
    if (st == 0 || st == -1) return got ? (long)got : st == 0 ? 0 : -1; /* EOF (close_notify or a plain close), or the error */
    if (st == 2) continue;
    if (got && !(flags & MSG_WAITALL)) return (long)got;
    if ((flags & MSG_DONTWAIT) || c->nonblock) return got ? (long)got : fail(EAGAIN);
    if (wait_fd(c->fd, events, SO_RCVTIMEO) < 0) return got ? (long)got : -1;
  }
}

static long conn_write(struct conn *c, const void *buf, size_t n, int flags, int wait_all) {
  if (flags & ~(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_EOR)) return fail(EOPNOTSUPP);
  size_t done = 0;
  for (;;) {
    pthread_mutex_lock(&c->mu);
    if (c->dead) { pthread_mutex_unlock(&c->mu); return done ? (long)done : fail(c->dead == ECONNRESET || c->dead == EPIPE ? EPIPE : c->dead); }
    if (SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN) { pthread_mutex_unlock(&c->mu); return done ? (long)done : fail(EPIPE); } /* after shutdown(SHUT_WR) */
    ERR_clear_error();
    errno = 0;
    size_t k = 0;
    int ok = n == done ? 1 : SSL_write_ex(c->ssl, (const char *)buf + done, n - done, &k);
    short events = 0;
    int st = ok ? 2 : failed(c, 0, SSL_is_init_finished(c->ssl) ? "write" : "handshake", &events);
    if (st == 2) done += k;
    spent(c);
    set_flags(c, c->pending_edge, c->reader_wants_write, st == 1 && events == POLLIN);
    pthread_mutex_unlock(&c->mu);
    if (st == 2 && done == n) return (long)done;
    if (st == 0) return done ? (long)done : fail(EPIPE);
    if (st == -1) return done ? (long)done : -1;
    if (st == 2) continue;
    int nb = (flags & MSG_DONTWAIT) || c->nonblock;
    if (!nb) wait_all = 1; /* a blocking write returns when all of it is queued, as the kernel's does */
    if (done && !wait_all) return (long)done;
    if (!wait_all && nb) return fail(EAGAIN);
    if (wait_fd(c->fd, events, SO_SNDTIMEO) < 0) return done ? (long)done : -1;
  }
}

static long conn_readv(struct conn *c, const struct iovec *iov, long cnt, int flags) {
  long total = 0;
  for (long i = 0; i < cnt; i++) {
    if (!iov[i].iov_len) continue;
    long r = conn_read(c, iov[i].iov_base, iov[i].iov_len, total ? flags | MSG_DONTWAIT : flags);
    if (r < 0) return total ? total : r;
    total += r;
    if ((size_t)r < iov[i].iov_len || (flags & MSG_PEEK)) break; /* a peek starts at the front again: one iovec */
  }
  return total;
}
static long conn_writev(struct conn *c, const struct iovec *iov, long cnt, int flags) {
  long total = 0;
  for (long i = 0; i < cnt; i++) {
    if (!iov[i].iov_len) continue;
    long r = conn_write(c, iov[i].iov_base, iov[i].iov_len, total ? flags | MSG_DONTWAIT : flags, 0);
    if (r < 0) return total ? total : r;
    total += r;
    if ((size_t)r < iov[i].iov_len) break;
  }
  return total;
}

/* a call on the file sendfile reads: a volume's (vfs.c), else the kernel's (embedded and injected files are memfds) */
static long file_call(long n, long a, long b, long c, long d) {
  long r = bfs_vfs_n ? bfs_vfs_syscall(n, a, b, c, d, 0) : PASS;
  return r == PASS ? sys(n, a, b, c, d, 0, 0) : r;
}

/* sendfile(out = a wrapped socket, in = a file): the file's bytes through the shield; the offset advances by what was
 * written (read again on a retry: the same bytes) */
static long conn_sendfile(struct conn *c, int in, off_t *offp, size_t count) {
  static __thread char buf[65536];
  size_t n = count < sizeof buf ? count : sizeof buf;
  off_t at = offp ? *offp : (off_t)file_call(SYS_lseek, in, 0, SEEK_CUR, 0);
  if (at < 0) return -1;
  long r = file_call(SYS_pread64, in, (long)buf, (long)n, at);
  if (r <= 0) return r;
  long w = conn_write(c, buf, (size_t)r, 0, 0);
  if (w <= 0) return w;
  if (offp) *offp = at + w;
  else if (file_call(SYS_lseek, in, at + w, SEEK_SET, 0) < 0) return -1;
  return w;
}

/* splice(pipe → wrapped socket): what is taken from the pipe is written whole (waiting for the socket if need be) */
static long conn_splice_in(struct conn *c, int pipe_fd, size_t len, unsigned flags) {
  static __thread char buf[65536];
  size_t n = len < sizeof buf ? len : sizeof buf;
  long r = sys(SYS_read, pipe_fd, (long)buf, (long)n, 0, 0, 0);
  if (r <= 0) return r;
  (void)flags;
  long w = conn_write(c, buf, (size_t)r, 0, 1);
  return w < r ? (w > 0 ? w : -1) : w;
}

/* ---- readiness ---- */
/* the epoll events to add for c now (under c->mu): plaintext pending, or the other direction's readiness */
static uint32_t extra_events(struct conn *c, int level) {
  uint32_t ev = 0;
  if ((c->pending_edge || (level && has_plaintext(c))) && (c->ep_events & EPOLLIN)) ev |= EPOLLIN;
  if (c->reader_wants_write || c->writer_wants_read) {
    struct pollfd p = { .fd = c->fd, .events = POLLIN | POLLOUT };
    if (sys(SYS_ppoll, (long)&p, 1, (long)&(struct timespec){0, 0}, 0, 8, 0) > 0) {
      if (c->reader_wants_write && (p.revents & POLLOUT) && (c->ep_events & EPOLLIN)) ev |= EPOLLIN;
      if (c->writer_wants_read && (p.revents & (POLLIN | POLLHUP)) && (c->ep_events & EPOLLOUT)) ev |= EPOLLOUT;
    }
  }
  return ev;
}

/* the flagged conns of epfd, acquired (at most max) */
static int flagged_of(int epfd, struct conn **out, int max) {
  int k = 0;
  pthread_mutex_lock(&pool_mu);
  for (struct conn *c = flist; c && k < max; c = c->fnext) {
    if (c->ep_fd != epfd) continue;
    if (ref_get(c)) out[k++] = c;
  }
  pthread_mutex_unlock(&pool_mu);
  return k;
}

/* under x->mu: x's registration still names a live connection of this epoll set */
static int live(struct conn *x, long epfd) { return x->ssl && x->ep_fd == epfd && __atomic_load_n(&ctab[x->fd], __ATOMIC_ACQUIRE) == x; }

/* under x->mu: merges what the shield has to report for x into the r events at evs (max slots); the new count */
static long merge(struct conn *x, struct epoll_event *evs, long r, long max) {
  if (x->disarmed) return r; /* EPOLLONESHOT, spent since it was listed */
  int level = !(x->ep_events & EPOLLET);
  uint32_t add = extra_events(x, level);
  if (!(x->ep_events & EPOLLIN) && x->pending_edge) set_flags(x, 0, x->reader_wants_write, x->writer_wants_read); /* nobody to tell */
  if (!add) return r;
  long j;
  for (j = 0; j < r && evs[j].data.u64 != x->ep_data; j++) {}
  if (j < r) evs[j].events = (evs[j].events & (x->ep_events | EPOLLERR | EPOLLHUP)) | add; /* (the kernel may have been asked for more: oneshot_arm) */
  else if (r < max) evs[r].events = add, evs[r].data.u64 = x->ep_data, r++;
  else return r; /* no room: the next wait reports it */
  int still = level && has_plaintext(x); /* level-triggered: while it lasts */
  set_flags(x, still, (add & EPOLLIN) ? 0 : x->reader_wants_write, (add & EPOLLOUT) ? 0 : x->writer_wants_read);
  if (x->ep_events & EPOLLONESHOT) { /* one event per arm: ours went out, so the kernel's registration is spent too */
    set_disarmed(x, 1);
    (void)sys(SYS_epoll_ctl, x->ep_fd, EPOLL_CTL_MOD, x->fd, (long)&(struct epoll_event){ .events = EPOLLONESHOT, .data.u64 = x->ep_data }, 0, 0);
  }
  return r;
}

/* under c->mu: an EPOLLONESHOT registration (ADD or MOD) of c. Plaintext already inside OpenSSL is reported by the
 * next wait, by the shield alone (the kernel's registration is disarmed, so no second event); a handshake waiting for
 * the other direction has the kernel watch both (merge hands the program only what it asked for). */
static void oneshot_arm(struct conn *c) {
  uint32_t asked = c->ep_events & ~(uint32_t)(EPOLLONESHOT | EPOLLET | EPOLLWAKEUP | EPOLLEXCLUSIVE);
  if (!asked) { set_disarmed(c, 1); return; } /* the program's own way of disarming */
  int pending = (c->ep_events & EPOLLIN) && has_plaintext(c);
  uint32_t kernel = pending ? EPOLLONESHOT : (c->reader_wants_write || c->writer_wants_read) ? c->ep_events | EPOLLIN | EPOLLOUT : 0;
  if (kernel) (void)sys(SYS_epoll_ctl, c->ep_fd, EPOLL_CTL_MOD, c->fd, (long)&(struct epoll_event){ .events = kernel, .data.u64 = c->ep_data }, 0, 0);
  int before = is_flagged(c);
  c->pending_edge = pending, c->disarmed = 0;
  relist(c, before);
}

/* epoll_wait/epoll_pwait(2): when a flagged connection of this set has something to report now (plaintext left in
 * OpenSSL, or the other direction's readiness), the kernel's wait does not sleep; otherwise it waits as asked. Either
 * way the flagged connections' events are merged into what it returns. */
static long epoll_wait_shielded(long n, long a, long b, long c, long d, long e, long f) {
  if (!__atomic_load_n(&n_flagged, __ATOMIC_ACQUIRE) || c <= 0) return sys(n, a, b, c, d, e, f);
  struct conn *mine[64];
  int k = flagged_of((int)a, mine, 64);
  if (!k) return sys(n, a, b, c, d, e, f);
  int now = 0;
  for (int i = 0; i < k && !now; i++) {
    struct conn *x = mine[i];
    pthread_mutex_lock(&x->mu);
    now = live(x, a) && extra_events(x, !(x->ep_events & EPOLLET)) != 0;
    pthread_mutex_unlock(&x->mu);
  }
  struct epoll_event *evs = (struct epoll_event *)b;
  long r = now ? sys(SYS_epoll_pwait, a, b, c, 0, n == SYS_epoll_wait ? 0 : e, 8) : sys(n, a, b, c, d, e, f);
  for (int i = 0; i < k; i++) {
    struct conn *x = mine[i];
    if (r >= 0) {
      pthread_mutex_lock(&x->mu);
      if (live(x, a)) r = merge(x, evs, r, c);
      pthread_mutex_unlock(&x->mu);
    }
    release(x);
  }
  return r;
}

/* poll/ppoll: a wrapped fd with plaintext pending is readable (level) */
static long poll_shielded(long n, long a, long b, long c, long d, long e, long f) {
  struct pollfd *fds = (struct pollfd *)a;
  unsigned long nfds = (unsigned long)b;
  int extra = 0;
  for (unsigned long i = 0; i < nfds && !extra; i++) {
    struct conn *x = (fds[i].events & POLLIN) ? acquire(fds[i].fd) : NULL;
    if (!x) continue;
    pthread_mutex_lock(&x->mu);
    extra = has_plaintext(x);
    pthread_mutex_unlock(&x->mu);
    release(x);
  }
  if (!extra) return sys(n, a, b, c, d, e, f);
  long r = sys(SYS_ppoll, a, b, (long)&(struct timespec){0, 0}, 0, 8, 0);
  for (unsigned long i = 0; r >= 0 && i < nfds; i++) {
    struct conn *x = (fds[i].events & POLLIN) ? acquire(fds[i].fd) : NULL;
    if (!x) continue;
    pthread_mutex_lock(&x->mu);
    if (has_plaintext(x)) {
      if (!fds[i].revents) r++;
      fds[i].revents |= POLLIN;
    }
    pthread_mutex_unlock(&x->mu);
    release(x);
  }
  return r;
}

/* select/pselect6 (n): when a set names a wrapped fd, the same wait as poll's (poll_shielded), the sets rebuilt from
 * its answer; otherwise the kernel's. Linux's select also writes back the time left: not done here. */
static long select_shielded(long n, long nfds, long rp, long wp, long xp, long tp, long sp) {
  fd_set *sets[3] = { (fd_set *)rp, (fd_set *)wp, (fd_set *)xp };
  static const short want[3] = { POLLIN, POLLOUT, POLLPRI };
  if (nfds < 0 || nfds > FD_SETSIZE) return PASS;
  int any = 0;
  for (int fd = 0; fd < nfds && !any; fd++)
    for (int k = 0; k < 3; k++)
      if (sets[k] && FD_ISSET(fd, sets[k]) && fd < BFS_FDTAB && __atomic_load_n(&ctab[fd], __ATOMIC_ACQUIRE)) any = 1;
  if (!any) return PASS;
  struct pollfd fds[FD_SETSIZE];
  long cnt = 0;
  for (int fd = 0; fd < nfds; fd++) {
    short ev = 0;
    for (int k = 0; k < 3; k++) if (sets[k] && FD_ISSET(fd, sets[k])) ev |= want[k];
    if (ev) fds[cnt++] = (struct pollfd){ .fd = fd, .events = ev };
  }
  struct timespec ts, *t = NULL;
  long mask = 0, mask_len = 8;
  if (n == SYS_select) {
    const struct timeval *tv = (const struct timeval *)tp;
    if (tv) ts = (struct timespec){ tv->tv_sec, tv->tv_usec * 1000 }, t = &ts;
  } else {
    if (tp) ts = *(const struct timespec *)tp, t = &ts;
    if (sp) mask = (long)((const long *)sp)[0], mask_len = ((const long *)sp)[1]; /* { const sigset_t *, size_t } */
  }
  long r = poll_shielded(SYS_ppoll, (long)fds, cnt, (long)t, mask, mask_len, 0);
  if (r < 0) return r;
  for (long i = 0; i < cnt; i++) if (fds[i].revents & POLLNVAL) return fail(EBADF);
  for (int k = 0; k < 3; k++) if (sets[k]) FD_ZERO(sets[k]);
  long bits = 0;
  for (long i = 0; i < cnt; i++) {
    short re = fds[i].revents;
    if (sets[0] && (fds[i].events & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR))) FD_SET(fds[i].fd, sets[0]), bits++;
    if (sets[1] && (fds[i].events & POLLOUT) && (re & (POLLOUT | POLLERR))) FD_SET(fds[i].fd, sets[1]), bits++;
    if (sets[2] && (fds[i].events & POLLPRI) && (re & POLLPRI)) FD_SET(fds[i].fd, sets[2]), bits++;
  }
  return bits;
}

/* ---- accept and connect ---- */
static int local_port(int fd) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (sys(SYS_getsockname, fd, (long)&ss, (long)&len, 0, 0, 0) != 0) return -1;
  if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  return 0; /* not TCP/IP (a unix socket): no port of the policy's */
}

static long accepted(long fd) {
  if (fd < 0 || !n_servers) return fd;
  int port = local_port((int)fd);
  if (port < 0) { /* which port is unknown: it may be a wrapped one, so the connection is not handed out */
    sys(SYS_close, fd, 0, 0, 0, 0, 0);
    report("incoming: cannot tell the local port of an accepted connection; refused it");
    return fail(ECONNABORTED);
  }
  forget((int)fd, 0, NULL); /* a stale entry of the number */
  for (int i = 0; i < n_ports; i++) {
    if (!ports[i].server || ports[i].port != port) continue;
    if (wrap((int)fd, &ports[i]) != 0) {
      sys(SYS_close, fd, 0, 0, 0, 0, 0);
      report("incoming on :%d: cannot set up TLS for a connection (out of memory or fds); refused it", port);
      return fail(ECONNABORTED);
    }
    return fd;
  }
  return fd;
}

/* an address as 16 bytes, IPv4 as IPv4-mapped IPv6 (a dual-stack socket connects to ::ffff:a.b.c.d) */
static void as16(const struct sockaddr *sa, unsigned char out[16]) {
  if (sa->sa_family == AF_INET) {
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
  } else memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}
static int same_addr(const struct sockaddr_storage *x, const struct sockaddr *y) {
  unsigned char a[16], b[16];
  as16((const struct sockaddr *)x, a), as16(y, b);
  return memcmp(a, b, 16) == 0;
}

/* the outgoing declaration that (addr) is: its port, and one of its host's addresses (resolved again at most once a
 * second when none matches: a container's address can change) */
static struct port *destination(const struct sockaddr *sa, socklen_t len) {
  if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) return NULL;
  if (len < (socklen_t)(sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6))) return NULL;
  int port = ntohs(sa->sa_family == AF_INET ? ((const struct sockaddr_in *)sa)->sin_port : ((const struct sockaddr_in6 *)sa)->sin6_port);
  for (int i = 0; i < n_ports; i++) {
    struct port *p = &ports[i];
    if (p->server || p->port != port) continue;
    pthread_mutex_lock(&p->resolve_mu);
    int hit = 0;
    for (int k = 0; k < p->n_addrs && !hit; k++) hit = same_addr(&p->addrs[k], sa);
    if (!hit) {
      struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
      if (getaddrinfo(p->host, NULL, &hints, &res) == 0) {
        p->n_addrs = 0;
        for (struct addrinfo *ai = res; ai && p->n_addrs < MAX_ADDRS; ai = ai->ai_next) memcpy(&p->addrs[p->n_addrs++], ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(res);
      }
      for (int k = 0; k < p->n_addrs && !hit; k++) hit = same_addr(&p->addrs[k], sa);
    }
    pthread_mutex_unlock(&p->resolve_mu);
    if (hit) return p;
  }
  return NULL;
}

static long connect_shielded(int fd, const struct sockaddr *sa, socklen_t len) {
  struct conn *was = acquire(fd);
  if (was == &closing) return fail(EBADF);
  if (was) { /* connect again on a wrapped fd (EALREADY, EISCONN, the end of an interrupted connect): the kernel answers, the wrap stays */
    release(was);
    return sys(SYS_connect, fd, (long)sa, len, 0, 0, 0);
  }
  int type = 0;
  socklen_t tl = sizeof type;
  if (sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, (long)&type, (long)&tl, 0) != 0 || type != SOCK_STREAM) return PASS; /* TCP only */
  struct port *p = destination(sa, len);
  long r = sys(SYS_connect, fd, (long)sa, len, 0, 0, 0);
  if (!p || (r < 0 && errno != EINPROGRESS && errno != EINTR && errno != EALREADY)) return r;
  int saved = errno;
  if (wrap(fd, p) != 0) {
    sys(SYS_shutdown, fd, SHUT_RDWR, 0, 0, 0, 0);
    report("outgoing to %s:%d: cannot set up TLS for a connection; shut it down", p->host, p->port);
    return fail(ENOBUFS);
  }
  errno = saved;
  return r;
}

/* ---- the dispatch ---- */
long bfs_net_dup(int oldfd, long newfd, int cloexec) {
  if (!bfs_net_n || newfd < 0 || newfd == oldfd) return newfd;
  struct conn *c = acquire(oldfd);
  forget((int)newfd, 0, NULL); /* the number names oldfd's file now: no close_notify into it */
  if (c == &closing) c = NULL;
  if (!c) return newfd;
  if (!cloexec || newfd >= BFS_FDTAB) { /* a wrapped socket must not reach a child, nor leave the table */
    release(c);
    sys(SYS_close, newfd, 0, 0, 0, 0, 0);
    return fail(newfd >= BFS_FDTAB ? EMFILE : EPERM);
  }
  __atomic_store_n(&ctab[newfd], c, __ATOMIC_RELEASE); /* the acquired reference is the new entry's */
  return newfd;
}

long bfs_net_syscall(long n, long a, long b, long c, long d, long e, long f) {
  struct conn *k;
  long r;
  switch (n) {
  case SYS_accept: case SYS_accept4: return accepted(sys(n, a, b, c, d, e, f));
  case SYS_connect: return connect_shielded((int)a, (const struct sockaddr *)b, (socklen_t)c);
  case SYS_close: /* the fd answers EBADF until the kernel's close returned, then leaves the table */
    if (a < 0 || a >= BFS_FDTAB || !__atomic_load_n(&ctab[a], __ATOMIC_ACQUIRE)) return PASS;
    forget((int)a, 1, &closing);
    r = sys(n, a, b, c, d, e, f);
    __atomic_compare_exchange_n(&ctab[a], &(struct conn *){&closing}, NULL, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
    return r;
#ifdef SYS_close_range
  case SYS_close_range:
    if (!(c & 4 /* CLOSE_RANGE_CLOEXEC: wrapped fds are close-on-exec already */))
      for (unsigned long fd = (unsigned long)a; fd <= (unsigned long)b && fd < BFS_FDTAB; fd++) forget((int)fd, 1, NULL);
    return PASS;
#endif
  case SYS_read: case SYS_recvfrom: case SYS_write: case SYS_sendto: case SYS_readv: case SYS_writev: case SYS_recvmsg:
  case SYS_sendmsg: case SYS_sendmmsg: case SYS_recvmmsg: case SYS_shutdown: case SYS_fcntl: case SYS_ioctl:
  case SYS_pread64: case SYS_pwrite64: case SYS_preadv: case SYS_pwritev: case SYS_preadv2: case SYS_pwritev2:
    if (!(k = acquire((int)a))) return PASS;
    break;
  case SYS_epoll_ctl: if (!(k = acquire((int)c))) return PASS; break;
  case SYS_sendfile:
    if ((k = acquire((int)b))) { release(k); return fail(k == &closing ? EBADF : EINVAL); } /* out of a wrapped socket: the program copies */
    if (!(k = acquire((int)a))) return PASS;
    break;
  case SYS_splice:
    if ((k = acquire((int)a))) { release(k); return fail(k == &closing ? EBADF : EINVAL); } /* out of a wrapped socket: the program copies */
    if (!(k = acquire((int)c))) return PASS;
    break;
  case SYS_epoll_wait: case SYS_epoll_pwait:
#ifdef SYS_epoll_pwait2
  case SYS_epoll_pwait2:
#endif
    return epoll_wait_shielded(n, a, b, c, d, e, f);
  case SYS_poll: case SYS_ppoll: return poll_shielded(n, a, b, c, d, e, f);
#ifdef SYS_select
  case SYS_select:
#endif
  case SYS_pselect6: return select_shielded(n, a, b, c, d, e, f);
  default: return PASS;
  }
  if (k == &closing) return fail(EBADF);
  switch (n) {
  case SYS_read: r = conn_read(k, (void *)b, (size_t)c, 0); break;
  case SYS_recvfrom: r = conn_read(k, (void *)b, (size_t)c, (int)d); if (r >= 0 && f) *(socklen_t *)f = 0; break;
  case SYS_write: r = conn_write(k, (const void *)b, (size_t)c, 0, 0); break;
  case SYS_sendto: r = e ? fail(EISCONN) : conn_write(k, (const void *)b, (size_t)c, (int)d, 0); break;
  case SYS_readv: r = conn_readv(k, (const struct iovec *)b, c, 0); break;
  case SYS_writev: r = conn_writev(k, (const struct iovec *)b, c, 0); break;
  case SYS_recvmsg: {
    struct msghdr *m = (struct msghdr *)b;
    r = conn_readv(k, m->msg_iov, (long)m->msg_iovlen, (int)c);
    if (r >= 0) m->msg_controllen = 0, m->msg_flags = 0, m->msg_namelen = 0;
    break;
  }
  case SYS_sendmsg: {
    const struct msghdr *m = (const struct msghdr *)b;
    r = m->msg_controllen || m->msg_name ? fail(EOPNOTSUPP) : conn_writev(k, m->msg_iov, (long)m->msg_iovlen, (int)c);
    break;
  }
  case SYS_pread64: case SYS_pwrite64: case SYS_preadv: case SYS_pwritev: r = fail(ESPIPE); break;
  case SYS_preadv2: r = d == -1 ? conn_readv(k, (const struct iovec *)b, c, 0) : fail(ESPIPE); break; /* offset -1: readv */
  case SYS_pwritev2: r = d == -1 ? conn_writev(k, (const struct iovec *)b, c, 0) : fail(ESPIPE); break;
  case SYS_sendmmsg: case SYS_recvmmsg: r = fail(EOPNOTSUPP); break;
  case SYS_sendfile: r = conn_sendfile(k, (int)b, (off_t *)c, (size_t)d); break;
  case SYS_splice: r = (d ? fail(ESPIPE) : conn_splice_in(k, (int)a, (size_t)e, (unsigned)f)); break;
  case SYS_shutdown:
    pthread_mutex_lock(&k->mu);
    if ((b == SHUT_WR || b == SHUT_RDWR) && !k->dead && SSL_is_init_finished(k->ssl)) SSL_shutdown(k->ssl);
    pthread_mutex_unlock(&k->mu);
    r = sys(n, a, b, c, d, e, f);
    break;
  case SYS_fcntl:
    if (b == F_SETFD && !(c & FD_CLOEXEC)) r = fail(EPERM);
    else {
      r = sys(n, a, b, c, d, e, f);
      if (r >= 0 && b == F_SETFL) k->nonblock = (c & O_NONBLOCK) != 0;
      if (b == F_DUPFD || b == F_DUPFD_CLOEXEC) r = bfs_net_dup((int)a, r, b == F_DUPFD_CLOEXEC);
    }
    break;
  case SYS_ioctl:
    if ((unsigned long)b == FIONCLEX) r = fail(EPERM); /* it stays close-on-exec */
    else if ((unsigned long)b == FIONREAD) {  /* the plaintext ready now (what the socket holds is ciphertext) */
      pthread_mutex_lock(&k->mu);
      int pend = SSL_pending(k->ssl);
      pthread_mutex_unlock(&k->mu);
      r = c ? (*(int *)c = pend, 0) : fail(EFAULT);
    } else {
      r = sys(n, a, b, c, d, e, f);
      if (r == 0 && (unsigned long)b == FIONBIO && c) k->nonblock = *(const int *)c != 0;
    }
    break;
  case SYS_epoll_ctl: { /* remember the registration: epoll_wait reports the shield's own readiness with its data */
    r = sys(n, a, b, c, d, e, f);
    if (r == 0) {
      pthread_mutex_lock(&k->mu);
      if (b == EPOLL_CTL_DEL) k->ep_fd = -1, set_disarmed(k, 0);
      else if (d) {
        k->ep_fd = (int)a, k->ep_events = ((const struct epoll_event *)d)->events, k->ep_data = ((const struct epoll_event *)d)->data.u64;
        if (k->ep_events & EPOLLONESHOT) oneshot_arm(k);
        else set_disarmed(k, 0);
      }
      pthread_mutex_unlock(&k->mu);
    }
    break;
  }
  default: r = PASS; break;
  }
  release(k);
  return r;
}

/* ---- configuration ---- */
static const char *env_of(char **env, const char *name) {
  size_t n = strlen(name);
  for (char **e = env; *e; e++) if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  return NULL;
}

/* a PEM file the policy injected, as a memory BIO over the launch answer's bytes; NULL with err */
static const struct bfs_file *files;
static size_t n_files;
static BIO *injected_pem(const char *path, const char *var, char err[256]) {
  for (size_t i = 0; i < n_files; i++)
    if (!strcmp(files[i].path, path)) return BIO_new_mem_buf(files[i].data, (int)files[i].size);
  snprintf(err, 256, "%s is %s, which is no injected file of the policy (certificates and keys come from the policy only)", var, path);
  return NULL;
}

static int load_chain(SSL_CTX *ctx, const char *path, const char *var, char err[256]) {
  BIO *b = injected_pem(path, var, err);
  if (!b) return -1;
  X509 *leaf = PEM_read_bio_X509(b, NULL, NULL, NULL);
  int ok = leaf && SSL_CTX_use_certificate(ctx, leaf) == 1;
  X509_free(leaf);
  for (X509 *x; ok && (x = PEM_read_bio_X509(b, NULL, NULL, NULL));) {
    if (SSL_CTX_add1_chain_cert(ctx, x) != 1) ok = 0;
    X509_free(x);
  }
  ERR_clear_error();
  BIO_free(b);
  if (!ok) snprintf(err, 256, "%s (%s) holds no PEM certificate", var, path);
  return ok ? 0 : -1;
}
static int load_key(SSL_CTX *ctx, const char *path, const char *var, char err[256]) {
  BIO *b = injected_pem(path, var, err);
  if (!b) return -1;
  EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
  BIO_free(b);
  int ok = key && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  ERR_clear_error();
  if (!ok) snprintf(err, 256, "%s (%s) holds no PEM private key of the certificate", var, path);
  return ok ? 0 : -1;
}
static int load_ca(SSL_CTX *ctx, const char *path, const char *var, int client_list, char err[256]) {
  BIO *b = injected_pem(path, var, err);
  if (!b) return -1;
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME) *names = client_list ? sk_X509_NAME_new_null() : NULL;
  int n = 0;
  for (X509 *x; (x = PEM_read_bio_X509(b, NULL, NULL, NULL)); n++) {
    X509_STORE_add_cert(store, x);
    if (names) sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(x)));
    X509_free(x);
  }
  ERR_clear_error();
  BIO_free(b);
  if (names) SSL_CTX_set_client_CA_list(ctx, names);
  if (!n) snprintf(err, 256, "%s (%s) holds no PEM certificate", var, path);
  return n ? 0 : -1;
}

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned inlen, void *arg) {
  (void)ssl;
  struct port *p = arg;
  unsigned char *sel;
  if (SSL_select_next_proto(&sel, outlen, p->alpn, (unsigned)p->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_ALERT_FATAL;
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

static int parse_alpn(struct port *p, const char *list, const char *var, char err[256]) {
  p->alpn_len = 0;
  if (!list || !strcmp(list, "none") || !list[0]) return 0;
  for (const char *s = list; *s;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    if (len == 0 || len > 255 || p->alpn_len + 1 + len > MAX_ALPN) { snprintf(err, 256, "%s: expected protocols separated by commas (such as h2,http/1.1)", var); return -1; }
    p->alpn[p->alpn_len++] = (unsigned char)len;
    memcpy(p->alpn + p->alpn_len, s, len);
    p->alpn_len += len;
    s += len + (comma ? 1 : 0);
  }
  return 0;
}

static int configure_port(char **env, struct port *p, char err[256]) {
  char var[128];
  const char *side = p->server ? "SERVER" : "CLIENT";
#define VAR(suffix) (snprintf(var, sizeof var, "SCONE_NETWORK_SHIELD_%s_%s%s", side, p->id, suffix), var)
  const char *mode = env_of(env, VAR(""));
  if (!mode || !strcmp(mode, "tls")) p->mutual = 0;
  else if (!strcmp(mode, "mutual-tls")) p->mutual = 1;
  else { snprintf(err, 256, "%s is \"%s\": expected tls or mutual-tls", var, mode); return -1; }
  const char *port = env_of(env, VAR("_PORT"));
  char *end;
  long v = port ? strtol(port, &end, 10) : 0;
  if (!port || *end || v < 1 || v > 65535) { snprintf(err, 256, "%s: expected a TCP port (1-65535)", VAR("_PORT")); return -1; }
  p->port = (int)v;
  p->ctx = SSL_CTX_new(p->server ? TLS_server_method() : TLS_client_method());
  if (!p->ctx) { snprintf(err, 256, "OpenSSL: cannot make a TLS context"); return -1; }
  SSL_CTX_set_min_proto_version(p->ctx, TLS1_3_VERSION);
  SSL_CTX_set_mode(p->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_options(p->ctx, SSL_OP_NO_RENEGOTIATION);
  if (parse_alpn(p, env_of(env, VAR("_ALPN")), var, err) != 0) return -1;
  const char *cert = env_of(env, VAR("_CERT")), *key = env_of(env, VAR("_KEY")), *ca = env_of(env, VAR("_CA"));
  if (p->server) {
    if (!cert || !key) { snprintf(err, 256, "SCONE_NETWORK_SHIELD_SERVER_%s_CERT and _KEY: expected the paths of the injected certificate and key", p->id); return -1; }
    if (p->mutual && !ca) { snprintf(err, 256, "SCONE_NETWORK_SHIELD_SERVER_%s_CA: expected the path of the injected CA that client certificates chain to (mutual-tls)", p->id); return -1; }
    SSL_CTX_set_num_tickets(p->ctx, 0);
    if (p->alpn_len) SSL_CTX_set_alpn_select_cb(p->ctx, alpn_select, p);
  } else {
    const char *host = env_of(env, VAR("_HOST")), *name = env_of(env, VAR("_SERVER_NAME"));
    if (!host || !host[0] || strlen(host) >= sizeof p->host) { snprintf(err, 256, "%s: expected the destination's host name or address", VAR("_HOST")); return -1; }
    snprintf(p->host, sizeof p->host, "%s", host);
    snprintf(p->server_name, sizeof p->server_name, "%s", name && name[0] ? name : host);
    if (!ca) { snprintf(err, 256, "SCONE_NETWORK_SHIELD_CLIENT_%s_CA: expected the path of the injected CA the peer must chain to", p->id); return -1; }
    if (p->mutual && (!cert || !key)) { snprintf(err, 256, "SCONE_NETWORK_SHIELD_CLIENT_%s_CERT and _KEY: expected the client certificate and key (mutual-tls)", p->id); return -1; }
    pthread_mutex_init(&p->resolve_mu, NULL);
  }
  if (cert && load_chain(p->ctx, cert, VAR("_CERT"), err) != 0) return -1;
  if (key && load_key(p->ctx, key, VAR("_KEY"), err) != 0) return -1;
  if (ca && load_ca(p->ctx, ca, VAR("_CA"), p->server, err) != 0) return -1;
  if (p->server ? p->mutual : 1) SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER | (p->server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
#undef VAR
  return 0;
}

int bfs_net_configure(char **env, const struct bfs_file *injected, size_t n_injected, char *banner, size_t n, char err[256]) {
  const char *first;
  banner[0] = '\0';
  if (!any_shield_variable(env, &first)) return 0;
  files = injected, n_files = n_injected;
  const char *mode = env_of(env, "SCONE_NETWORK_SHIELD");
  if (mode && !strcmp(mode, "disabled")) return 0;
  if (mode && strcmp(mode, "unprotected")) {
    snprintf(err, 256, "SCONE_NETWORK_SHIELD is \"%s\": this runtime offers unprotected (the named ports wrapped, others as they are) or disabled; protected (refuse every other connection) is not built", mode);
    return -1;
  }
  for (char **e = env; *e; e++) {
    int server = strncmp(*e, "SCONE_NETWORK_SHIELD_SERVER_", 28) == 0, client = strncmp(*e, "SCONE_NETWORK_SHIELD_CLIENT_", 28) == 0;
    if (!server && !client) continue;
    const char *id = *e + 28, *eq = strchr(id, '=');
    const char *sfx = strstr(id, "_PORT=");
    if (!sfx || sfx + 5 != eq) continue; /* each declaration is found by its _PORT */
    size_t len = (size_t)(sfx - id);
    if (n_ports == MAX_PORTS) { snprintf(err, 256, "more than %d network shield ports", MAX_PORTS); return -1; }
    struct port *p = &ports[n_ports];
    if (len == 0 || len >= sizeof p->id) { snprintf(err, 256, "%.*s: expected a short name between SCONE_NETWORK_SHIELD_%s_ and _PORT", (int)(eq - *e), *e, server ? "SERVER" : "CLIENT"); return -1; }
    memcpy(p->id, id, len);
    p->id[len] = '\0';
    p->server = server;
    if (configure_port(env, p, err) != 0) return -1;
    for (int i = 0; i < n_ports; i++)
      if (ports[i].server && server && ports[i].port == p->port) { snprintf(err, 256, "SCONE_NETWORK_SHIELD_SERVER_%s_PORT and _%s_PORT both name port %d", ports[i].id, p->id, p->port); return -1; }
    n_ports++, n_servers += server;
  }
  if (!n_ports) { snprintf(err, 256, "%.60s…: a network shield variable but no SCONE_NETWORK_SHIELD_{SERVER,CLIENT}_<id>_PORT", first); return -1; }
  static const char *const suffixes[] = { "_PORT", "_CERT", "_KEY", "_CA", "_ALPN", "_HOST", "_SERVER_NAME" };
  for (int i = 0; i < n_ports; i++) /* "a" and "a_CA" both declared: SCONE_NETWORK_SHIELD_SERVER_a_CA would be two things */
    for (int j = 0; j < n_ports; j++) {
      size_t li = strlen(ports[i].id);
      if (i == j || ports[i].server != ports[j].server || strncmp(ports[j].id, ports[i].id, li) != 0) continue;
      for (size_t k = 0; k < sizeof suffixes / sizeof *suffixes; k++)
        if (!strcmp(ports[j].id + li, suffixes[k])) { snprintf(err, 256, "ports \"%.40s\" and \"%.40s\": the second's name is the first's %s setting", ports[i].id, ports[j].id, suffixes[k]); return -1; }
    }
  /* every other variable is a setting of a declared port, or the runtime does not know what it asks for */
  static const char *const known[] = { "", "_PORT", "_CERT", "_KEY", "_CA", "_ALPN", "_HOST", "_SERVER_NAME" };
  for (char **e = env; *e; e++) {
    if (strncmp(*e, "SCONE_NETWORK_SHIELD_", 21) != 0) continue;
    const char *eq = strchr(*e, '=');
    int ok = strncmp(*e, "SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS=unprotected", 54) == 0 && (*e)[54] == '\0';
    for (int i = 0; i < n_ports && !ok; i++) {
      char head[80];
      int hl = snprintf(head, sizeof head, "SCONE_NETWORK_SHIELD_%s_%s", ports[i].server ? "SERVER" : "CLIENT", ports[i].id);
      if (strncmp(*e, head, (size_t)hl) != 0) continue;
      for (size_t k = 0; k < sizeof known / sizeof *known && !ok; k++)
        ok = (size_t)(eq - *e) == (size_t)hl + strlen(known[k]) && strncmp(*e + hl, known[k], strlen(known[k])) == 0 &&
             (!ports[i].server || k <= 5);
    }
    if (!ok) { snprintf(err, 256, "%.*s: no setting this runtime knows (a declared port's _PORT, _CERT, _KEY, _CA, _ALPN, _HOST, _SERVER_NAME)", (int)(eq - *e), *e); return -1; }
  }
  bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "confidential-shield");
  BIO_meth_set_write(bio_method, bio_write);
  BIO_meth_set_read(bio_method, bio_read);
  BIO_meth_set_ctrl(bio_method, bio_ctrl);
  BIO_meth_set_create(bio_method, bio_create);
  size_t bl = 0;
  for (int i = 0; i < n_ports; i++) {
    struct port *p = &ports[i];
    char alpn[80] = "";
    for (size_t k = 0; k < p->alpn_len; k += 1 + p->alpn[k]) snprintf(alpn + strlen(alpn), sizeof alpn - strlen(alpn), "%s%.*s", k ? "," : ", ALPN ", p->alpn[k], (const char *)p->alpn + k + 1);
    int w = p->server ? snprintf(banner + bl, n - bl, "%s in :%d (TLS 1.3%s%s)", i ? "," : "", p->port, p->mutual ? ", client certificates required" : "", alpn)
                      : snprintf(banner + bl, n - bl, "%s out %s:%d (TLS 1.3, peer verified as %s%s%s)", i ? "," : "", p->host, p->port, p->server_name, p->mutual ? ", client certificate" : "", alpn);
    if (w > 0 && (size_t)w < n - bl) bl += (size_t)w;
  }
  files = NULL, n_files = 0; /* the caller wipes them */
  pthread_atfork(NULL, NULL, bfs_net_forked); /* fork() of a C program (the Go runtime's raw clone: interpose.c) */
  __atomic_store_n(&bfs_net_n, n_ports, __ATOMIC_RELEASE);
  return 0;
}

#else /* BFS_NO_SHIELD: no OpenSSL for this libc (musl here): a policy that asks for the network shield stops the program */
long bfs_net_syscall(long n, long a, long b, long c, long d, long e, long f) { (void)n; (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; return BFS_PASS; }
long bfs_net_dup(int oldfd, long newfd, int cloexec) { (void)oldfd; (void)cloexec; return newfd; }
void bfs_net_forked(void) {}
int bfs_net_configure(char **env, const struct bfs_file *injected, size_t n_injected, char *banner, size_t n, char err[256]) {
  const char *first;
  (void)n, (void)injected, (void)n_injected;
  banner[0] = '\0';
  if (!any_shield_variable(env, &first)) return 0;
  snprintf(err, 256, "the policy sets %.60s, but this runtime was built without the network shield (no OpenSSL for its libc)", first);
  return -1;
}
#endif
