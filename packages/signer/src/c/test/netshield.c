/* The network shield's test program (shield.int.spec.ts, "network shield"): plain sockets only — the runtime wraps
 * them when the policy says so.
 *   netshield serve <port>          a server in the style of Go's netpoller: non-blocking sockets, one edge-triggered
 *                                   epoll set, reads until EAGAIN. Per line received: "echo <line>" → "<line>\n";
 *                                   "big <n>" → n bytes ('a' + i % 26) then "\n"; "file <path>" → the file by
 *                                   sendfile; "fds" → the number of open fds; "quit" → exits 0. Unsent output waits
 *                                   for EPOLLOUT; a connection with 4 MiB unsent is not read until it drains.
 *   netshield small <port> select|poll|oneshot   one connection, read 7 bytes at a time (what TLS delivers in one
 *                                   record stays in the runtime after the first read), each read after a wait for
 *                                   readability by select, poll, or epoll with EPOLLONESHOT re-armed before each
 *                                   wait (and, between a read and the re-arm, a wait that must see nothing); answers
 *                                   "echo <line>" lines; exits 0 at the peer's end, 3 on an event while disarmed.
 *   netshield fetch <host> <port> <line>   a blocking client: connect, send the line, print what comes until EOF
 *                                   (or "error <errno name>").
 *   netshield fetch2 <host> <port> <line>  the same, the hard way: a non-blocking connect asked again until EISCONN,
 *                                   then blocking; after the line is sent, a forked child that closes the socket
 *                                   and exits (the peer must see no end from it); after the
 *                                   exchange, a file dup2'ed over the socket's fd: prints the reply, then
 *                                   "file <size>" (a close_notify written into the file would show).
 *   netshield fetch3 <host> <port> <line>  blocking, with SO_RCVTIMEO 100 ms: sends the line, prints the first read's
 *                                   outcome ("read: EAGAIN" when nothing came in time), then without the timeout
 *                                   what comes until EOF. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXC 4096
struct client { int fd; int eof; char in[8192]; size_t in_len; char *out; size_t out_len, out_cap; int sendfile_fd; off_t sf_off, sf_end; };
static struct client *clients[MAXC];

static int count_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) if (e->d_name[0] != '.') n++;
  if (d) closedir(d);
  return n - 1; /* the directory's own */
}

static void queue(struct client *c, const char *p, size_t n) {
  if (c->out_len + n > c->out_cap) {
    c->out_cap = (c->out_len + n) * 2;
    c->out = realloc(c->out, c->out_cap);
  }
  memcpy(c->out + c->out_len, p, n);
  c->out_len += n;
}

static void drop(int ep, struct client *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  if (c->sendfile_fd >= 0) close(c->sendfile_fd);
  clients[c->fd] = NULL;
  free(c->out);
  free(c);
}

/* 0: keep, -1: dropped */
static int flush(int ep, struct client *c) {
  while (c->out_len) {
    ssize_t w = write(c->fd, c->out, c->out_len);
    if (w < 0 && errno == EAGAIN) return 0;
    if (w <= 0) { drop(ep, c); return -1; }
    memmove(c->out, c->out + w, c->out_len - (size_t)w);
    c->out_len -= (size_t)w;
  }
  while (c->sendfile_fd >= 0 && c->sf_off < c->sf_end) {
    ssize_t w = sendfile(c->fd, c->sendfile_fd, &c->sf_off, (size_t)(c->sf_end - c->sf_off));
    if (w < 0 && errno == EAGAIN) return 0;
    if (w <= 0) { drop(ep, c); return -1; }
  }
  if (c->sendfile_fd >= 0) { close(c->sendfile_fd); c->sendfile_fd = -1; queue(c, "\n", 1); return flush(ep, c); }
  if (c->eof) { drop(ep, c); return -1; } /* the peer is done and has everything */
  return 0;
}

static int line(int ep, struct client *c, char *l) {
  char buf[64];
  if (!strncmp(l, "echo ", 5)) { queue(c, l + 5, strlen(l + 5)); queue(c, "\n", 1); }
  else if (!strncmp(l, "big ", 4)) {
    long n = atol(l + 4);
    char *b = malloc((size_t)n + 1);
    for (long i = 0; i < n; i++) b[i] = (char)('a' + i % 26);
    b[n] = '\n';
    queue(c, b, (size_t)n + 1);
    free(b);
  } else if (!strncmp(l, "file ", 5)) {
    int fd = open(l + 5, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) { queue(c, "no file\n", 8); return 0; }
    c->sendfile_fd = fd, c->sf_off = 0, c->sf_end = st.st_size;
  } else if (!strcmp(l, "fds")) { int n = snprintf(buf, sizeof buf, "%d\n", count_fds()); queue(c, buf, (size_t)n); }
  else if (!strcmp(l, "quit")) exit(0);
  else queue(c, "?\n", 2);
  (void)ep;
  return 0;
}

static int serve(int port) {
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 2048) != 0) { perror("listen"); return 1; }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u64 = (uint64_t)-1 };
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  printf("listening %d\n", port);
  fflush(stdout);
  struct epoll_event evs[128];
  for (;;) {
    int n = epoll_wait(ep, evs, 128, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { perror("epoll_wait"); return 1; }
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u64 == (uint64_t)-1) {
        for (;;) {
          int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) break;
          if (fd >= MAXC) { close(fd); continue; }
          struct client *c = calloc(1, sizeof *c);
          c->fd = fd, c->sendfile_fd = -1;
          clients[fd] = c;
          struct epoll_event cev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = (uint64_t)fd };
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      struct client *c = clients[evs[i].data.u64];
      if (!c) continue;
      if ((evs[i].events & EPOLLOUT) && flush(ep, c) < 0) continue;
      if (!(evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) continue;
      for (;;) { /* until EAGAIN: the edge will not come again */
        if (c->out_len > (4u << 20)) break;
        ssize_t r = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (r < 0 && errno == EAGAIN) break;
        if (r < 0) { drop(ep, c); c = NULL; break; }
        if (r == 0) { c->eof = 1; break; }
        c->in_len += (size_t)r;
        char *nl;
        while ((nl = memchr(c->in, '\n', c->in_len))) {
          *nl = '\0';
          line(ep, c, c->in);
          size_t used = (size_t)(nl - c->in) + 1;
          memmove(c->in, c->in + used, c->in_len - used);
          c->in_len -= used;
        }
        if (c->in_len == sizeof c->in) c->in_len = 0; /* a line too long: dropped */
      }
      if (c) flush(ep, c);
    }
  }
}

/* waits until fd is readable, the program's way (how: 's'elect, 'p'oll, 'o'neshot epoll set ep): 0, or -1 */
static int readable(int how, int ep, int fd) {
  if (how == 's') {
    fd_set r;
    FD_ZERO(&r);
    FD_SET(fd, &r);
    struct timeval tv = { 60, 0 };
    return select(fd + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(fd, &r) ? 0 : -1;
  }
  if (how == 'p') return poll(&(struct pollfd){ .fd = fd, .events = POLLIN }, 1, 60000) == 1 ? 0 : -1;
  struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.u64 = (uint64_t)fd }, out;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0) return -1; /* re-armed */
  return epoll_wait(ep, &out, 1, 60000) == 1 && out.data.u64 == (uint64_t)fd ? 0 : -1;
}

static int small(int port, int how) {
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 16) != 0) { perror("listen"); return 1; }
  printf("listening %d\n", port);
  fflush(stdout);
  int fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLONESHOT, .data.u64 = (uint64_t)fd }; /* disarmed until the first wait */
  if (fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) { perror("accept"); return 1; }
  char in[4096];
  size_t len = 0;
  for (;;) {
    if (readable(how, ep, fd) != 0) { printf("no readiness: %s\n", strerror(errno)); return 1; }
    ssize_t r = read(fd, in + len, 7 < sizeof in - len ? 7 : sizeof in - len);
    if (r < 0 && errno == EAGAIN) continue;
    if (r <= 0) break;
    struct epoll_event x;
    if (how == 'o' && epoll_wait(ep, &x, 1, 0) != 0) { printf("an event while disarmed\n"); fflush(stdout); return 3; }
    len += (size_t)r;
    char *nl;
    while ((nl = memchr(in, '\n', len))) {
      size_t used = (size_t)(nl - in) + 1;
      if (!strncmp(in, "echo ", 5)) {
        for (size_t off = 5; off < used;) { /* the reply, waiting for room as a non-blocking writer does */
          ssize_t w = write(fd, in + off, used - off);
          if (w < 0 && errno == EAGAIN) { poll(&(struct pollfd){ .fd = fd, .events = POLLOUT }, 1, 1000); continue; }
          if (w <= 0) return 1;
          off += (size_t)w;
        }
      }
      memmove(in, in + used, len - used);
      len -= used;
    }
  }
  close(fd);
  printf("served\n");
  return 0;
}

static const char *ename(int e) { /* strerrorname_np is glibc's only */
  static char other[16];
  switch (e) {
  case ECONNRESET: return "ECONNRESET";
  case EPIPE: return "EPIPE";
  case ECONNREFUSED: return "ECONNREFUSED";
  case ENOBUFS: return "ENOBUFS";
  default: snprintf(other, sizeof other, "errno %d", e); return other;
  }
}

/* what comes on fd until EOF, to stdout; 0, or 1 after printing "error <errno name>" */
static int print_until_eof(int fd) {
  char buf[65536];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) { printf("error %s\n", ename(errno)); return 1; }
    if (r == 0) return 0;
    fwrite(buf, 1, (size_t)r, stdout);
  }
}

static int fetch(const char *host, const char *port, const char *msg) {
  struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
  if (getaddrinfo(host, port, &hints, &res) != 0) { printf("error resolve\n"); return 1; }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) { printf("error %s\n", ename(errno)); return 1; }
  char line[4096];
  int n = snprintf(line, sizeof line, "%s\n", msg);
  if (write(fd, line, (size_t)n) != n) { printf("error %s\n", ename(errno)); return 1; }
  shutdown(fd, SHUT_WR);
  if (print_until_eof(fd) != 0) return 1;
  close(fd);
  return 0;
}

static int fetch2(const char *host, const char *port, const char *msg) {
  struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
  if (getaddrinfo(host, port, &hints, &res) != 0) { printf("error resolve\n"); return 1; }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int r = connect(fd, res->ai_addr, res->ai_addrlen);
  while (r != 0 && (errno == EINPROGRESS || errno == EALREADY)) {
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    poll(&p, 1, 1000);
    r = connect(fd, res->ai_addr, res->ai_addrlen);
  }
  if (r != 0 && errno != EISCONN) { printf("error %s\n", ename(errno)); return 1; }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  char line[4096];
  int n = snprintf(line, sizeof line, "%s\n", msg);
  if (write(fd, line, (size_t)n) != n) { printf("error %s\n", ename(errno)); return 1; } /* the handshake is done */
  pid_t child = fork();
  if (child == 0) { close(fd); _exit(0); } /* its copy of the connection is the parent's: no close_notify from it */
  waitpid(child, NULL, 0);
  if (print_until_eof(fd) != 0) return 1;
  char path[] = "/tmp/netshield-dup2-XXXXXX";
  int file = mkstemp(path);
  if (dup2(file, fd) < 0) { printf("error dup2 %s\n", ename(errno)); return 1; }
  close(file);
  close(fd);
  struct stat st;
  stat(path, &st);
  unlink(path);
  printf("file %lld\n", (long long)st.st_size);
  return 0;
}

static int fetch3(const char *host, const char *port, const char *msg) {
  struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
  if (getaddrinfo(host, port, &hints, &res) != 0) { printf("error resolve\n"); return 1; }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) { printf("error %s\n", ename(errno)); return 1; }
  char line[4096], buf[256];
  int n = snprintf(line, sizeof line, "%s\n", msg);
  if (write(fd, line, (size_t)n) != n) { printf("error %s\n", ename(errno)); return 1; }
  struct timeval tv = { 0, 100000 };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ssize_t r = read(fd, buf, sizeof buf);
  if (r < 0) printf("read: %s\n", errno == EAGAIN ? "EAGAIN" : ename(errno));
  else fwrite(buf, 1, (size_t)r, stdout);
  tv.tv_usec = 0;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return print_until_eof(fd);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  if (argc == 3 && !strcmp(argv[1], "serve")) return serve(atoi(argv[2]));
  if (argc == 4 && !strcmp(argv[1], "small") && strchr("spo", argv[3][0])) return small(atoi(argv[2]), argv[3][0]);
  if (argc == 5 && !strcmp(argv[1], "fetch")) return fetch(argv[2], argv[3], argv[4]);
  if (argc == 5 && !strcmp(argv[1], "fetch2")) return fetch2(argv[2], argv[3], argv[4]);
  if (argc == 5 && !strcmp(argv[1], "fetch3")) return fetch3(argv[2], argv[3], argv[4]);
  fprintf(stderr, "usage: netshield serve <port> | small <port> select|poll|oneshot | fetch[2|3] <host> <port> <line>\n");
  return 2;
}
