/*
 * parley_udp: batched UDP I/O for Parley's media workers (Linux).
 *
 * Node's dgram costs about as much per packet as the kernel itself (a JS callback and an address object per
 * datagram received, a request object per datagram sent). A media worker owns thousands of RTP sockets that
 * each carry one 20 ms packet per tick, so this addon lets it:
 *   - watch all its sockets through one epoll set that libuv polls as a single handle; when any is readable,
 *     one JS call drains every ready socket into a caller-provided slab (records in an Int32Array); or, with
 *     no callback set, drain them when it chooses (the media worker: once per 20 ms tick);
 *   - send a whole tick's packets (one per member, each on its own socket) in one JS call.
 * Sockets are plain non-blocking UDP sockets bound here (no SO_REUSEADDR: a port is owned by one session).
 * Every function reports failures as negative errno values; nothing throws on I/O errors.
 *
 * Record layout (Int32Array, RECORD_WORDS per packet), received and sent alike:
 *   [0] socket id (drain) or fd (send)  [1] byte offset in the slab  [2] length, or -errno
 *   [3] remote port  [4] family (4 or 6)  [5..8] address, 32-bit words in host order (IPv4: [5] only)
 *   [9] (drain) how long before the drain returned the kernel received the datagram, µs (0 if unknown);
 *       (send) not read: the caller's own tag (the JS side keeps the sending socket's id there)
 *
 * A batch of sends goes through io_uring when the kernel allows it (Linux 6.0 or later for a send with its
 * destination; a container's seccomp policy may forbid io_uring altogether): the tick's packets are
 * queued as SEND requests and submitted with one system call, instead of one sendto each. Each request
 * carries MSG_DONTWAIT, so it completes at once (sent, or -EAGAIN when the socket's buffer is full) and
 * never waits in the kernel for a slab that the next tick overwrites. When io_uring is unavailable, or
 * answers a request with EINVAL (a kernel without the destination field), the batch uses sendto; the
 * `ioUring(on)` call turns it off (PARLEY_IO_URING=0 does from JS). Measured on this project's test VM, in a
 * C test of 1,000 sockets on loopback: 3.05 µs of CPU per packet with sendto, 2.45–2.55 µs through the
 * ring. In the media worker the gain is smaller: its send row went from 4.02 to 3.71 µs per member per
 * tick (five alternating pairs).
 *
 * Every socket asks for the kernel's receive timestamps (SO_TIMESTAMPNS): a caller that reads its sockets
 * only once per 20 ms tick still knows when each packet arrived (jitter buffers and RTCP jitter need it).
 *
 * Busy sockets leave the epoll set while the caller reads per tick (no callback set). An RTP socket gets a
 * packet every tick, so asking epoll which sockets are ready tells nothing, and a socket in an epoll set
 * costs on every send too: the kernel wakes its wait queue when the sent datagram's buffer is freed. A
 * socket read in 3 drains in a row is moved to a list that every drain reads directly (one recvmsg each);
 * one that stays empty for 50 drains (a second at 20 ms) goes back to epoll. A listed socket is read again
 * in the same drain when the datagram it gave was already queued when the previous drain began: it holds
 * a backlog (a burst, or a sender's clock running fast), which is read down at once.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define RECORD_WORDS 10
/* Largest datagram kept whole; larger ones are reported as oversized (length SLOT_BYTES + 1). */
#define SLOT_BYTES 2048
#define MAX_EVENTS 256
/* A socket read in this many drains in a row is read directly at every drain instead of through epoll. */
#define LIST_AFTER_READS 3
/* A listed socket that has been empty for this many drains in a row goes back to epoll. */
#define UNLIST_AFTER_EMPTY 50
/* At most this many datagrams from one listed socket per drain call (a backlog is read down over calls). */
#define LIST_READS_PER_DRAIN 8

/* Per file descriptor opened here. */
typedef struct {
  uint8_t owned;
  /* Its index in the list of sockets read at every drain, or -1 (in the epoll set, or not watched). */
  int32_t listed;
  int32_t id;
  /* The drain that last read it, and its streak: drains in a row with a datagram (epoll) or without (listed). */
  uint32_t last_drain;
  uint32_t streak;
} FdState;

/* A destination as the kernel takes it: 28 bytes rather than sockaddr_storage's 128 (fewer lines per send). */
typedef union {
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} PeerAddr;

/* Headers from Linux 6.0 on know a SEND request's destination (`addr_len`); older ones build sendto only. */
#ifdef IORING_SETUP_SINGLE_ISSUER
#define HAVE_SEND_RING 1
#endif

/* Sends per io_uring submission (the ring's size; its completion queue is twice that). */
#define RING_ENTRIES 1024

/* The send ring of an instance (see the top): set up at the first batch, or found unavailable. */
typedef struct {
  int fd;                  /* the ring, or RING_UNSET / RING_OFF */
  void* rings;             /* the submission and completion rings, one mapping */
  size_t rings_bytes;
  struct io_uring_sqe* sqes;
  size_t sqes_bytes;
  unsigned *sq_tail, *sq_mask;
  unsigned *cq_head, *cq_tail, *cq_mask;
  struct io_uring_cqe* cqes;
  /* Each queued send's destination, by its slot in the ring (the kernel reads it during submission). */
  PeerAddr addrs[RING_ENTRIES];
} SendRing;

#define RING_UNSET -1
#define RING_OFF -2

/* The state of an fd not opened here (or closed). */
static const FdState FD_UNUSED = {0, -1, 0, 0, 0};

typedef struct {
  napi_env env;
  int epfd;
  int watched;
  int polling;
  int poll_ready; /* uv_poll_init done */
  uv_poll_t poll;
  napi_ref on_readable;
  napi_async_context async_ctx;
  napi_async_cleanup_hook_handle cleanup;
  /* State of the fds opened through this instance (index = fd); owned ones are closed at teardown. */
  FdState* fds;
  int fds_len;
  /* Sockets read at every drain (fds), the next one to read in the drain under way, and drain numbers. */
  int32_t* list;
  int list_len;
  int list_cap;
  int list_pos;
  uint32_t drain_no;
  /* Whether busy sockets may leave the epoll set (listBusy); only while there is no readable callback. */
  int list_busy;
  /* When the drain under way and the one before began (ns, CLOCK_REALTIME like the kernel's stamps). */
  int64_t drain_start;
  int64_t previous_start;
  struct sockaddr_storage from;
  /* Sends through io_uring (0: sendto only), and the ring once set up. */
  int use_ring;
  SendRing* ring;
  struct epoll_event events[MAX_EVENTS];
  /* Kernel receive time (ns, CLOCK_REALTIME) of each record of the drain under way; 0 when none came. */
  int64_t* stamps;
  int stamps_len;
} Instance;

static Instance* instance(napi_env env) {
  void* data = NULL;
  napi_get_instance_data(env, &data);
  return (Instance*)data;
}

static napi_value int_value(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value* argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return 0;
  }
  return 1;
}

static int32_t get_i32(napi_env env, napi_value v) {
  int32_t out = 0;
  napi_get_value_int32(env, v, &out);
  return out;
}

/* A typed array's bytes (any element type) and its length in bytes. */
static int typed_bytes(napi_env env, napi_value v, uint8_t** data, size_t* bytes) {
  napi_typedarray_type type;
  size_t length, offset;
  napi_value ab;
  void* p;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a typed array");
    return 0;
  }
  size_t size = 1;
  if (type == napi_int32_array || type == napi_uint32_array) size = 4;
  else if (type == napi_int16_array || type == napi_uint16_array) size = 2;
  *data = (uint8_t*)p;
  *bytes = length * size;
  return 1;
}

/* The state of `fd`, growing the table as needed; NULL when out of memory or fd < 0. */
static FdState* fd_state(Instance* in, int fd) {
  if (fd < 0) return NULL;
  if (fd >= in->fds_len) {
    int len = in->fds_len ? in->fds_len : 1024;
    while (len <= fd) len *= 2;
    FdState* grown = realloc(in->fds, (size_t)len * sizeof(FdState));
    if (!grown) return NULL;
    for (int i = in->fds_len; i < len; i++) grown[i] = FD_UNUSED;
    in->fds = grown;
    in->fds_len = len;
  }
  return &in->fds[fd];
}

/* Adds a socket to the epoll set; its events carry the fd and the caller's id. 0 or -errno. */
static int epoll_watch(Instance* in, int fd, int32_t id) {
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = ((uint64_t)(uint32_t)id << 32) | (uint32_t)fd;
  return epoll_ctl(in->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

/* Moves a socket from the epoll set to the list read at every drain. */
static void list_add(Instance* in, int fd) {
  FdState* st = &in->fds[fd];
  if (st->listed >= 0) return;
  if (in->list_len == in->list_cap) {
    int cap = in->list_cap ? in->list_cap * 2 : 256;
    int32_t* grown = realloc(in->list, (size_t)cap * sizeof(int32_t));
    if (!grown) return;
    in->list = grown;
    in->list_cap = cap;
  }
  if (epoll_ctl(in->epfd, EPOLL_CTL_DEL, fd, NULL) != 0) return;
  st->listed = in->list_len;
  in->list[in->list_len++] = fd;
  st->streak = 0;
}

/*
 * Takes a socket off the list (the last entry takes its place); back into the epoll set when `rewatch`. A
 * socket the epoll set cannot take back (out of memory) stays listed rather than be read by neither.
 */
static int list_remove(Instance* in, int fd, int rewatch) {
  FdState* st = &in->fds[fd];
  int at = st->listed;
  if (at < 0) return 1;
  if (rewatch && epoll_watch(in, fd, st->id) != 0) return 0;
  int last = in->list[--in->list_len];
  in->list[at] = last;
  in->fds[last].listed = at;
  st->listed = -1;
  st->streak = 0;
  return 1;
}

/* Puts every listed socket back in the epoll set (reading on arrival, or listing turned off). */
static void unlist_all(Instance* in) {
  for (int i = in->list_len - 1; i >= 0; i--) list_remove(in, in->list[i], 1);
}

/* Writes family and address words; returns the sockaddr length, 0 for an unknown family. */
static socklen_t to_words(const struct sockaddr_storage* ss, int32_t* rec) {
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in* a = (const struct sockaddr_in*)ss;
    rec[3] = ntohs(a->sin_port);
    rec[4] = 4;
    rec[5] = (int32_t)ntohl(a->sin_addr.s_addr);
    rec[6] = rec[7] = rec[8] = 0;
    return sizeof *a;
  }
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6* a = (const struct sockaddr_in6*)ss;
    rec[3] = ntohs(a->sin6_port);
    rec[4] = 6;
    for (int i = 0; i < 4; i++) {
      uint32_t w;
      memcpy(&w, a->sin6_addr.s6_addr + 4 * i, 4);
      rec[5 + i] = (int32_t)ntohl(w);
    }
    return sizeof *a;
  }
  return 0;
}

/* The destination in a record's words; returns its length, 0 for an unknown family. */
static socklen_t from_words(const int32_t* rec, PeerAddr* pa) {
  memset(pa, 0, sizeof *pa);
  if (rec[4] == 4) {
    struct sockaddr_in* a = &pa->v4;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)rec[3]);
    a->sin_addr.s_addr = htonl((uint32_t)rec[5]);
    return sizeof *a;
  }
  if (rec[4] == 6) {
    struct sockaddr_in6* a = &pa->v6;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)rec[3]);
    for (int i = 0; i < 4; i++) {
      uint32_t w = htonl((uint32_t)rec[5 + i]);
      memcpy(a->sin6_addr.s6_addr + 4 * i, &w, 4);
    }
    return sizeof *a;
  }
  return 0;
}

static int parse_address(const char* text, int port, struct sockaddr_storage* ss, socklen_t* len) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in* a4 = (struct sockaddr_in*)ss;
  struct sockaddr_in6* a6 = (struct sockaddr_in6*)ss;
  if (inet_pton(AF_INET, text, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    *len = sizeof *a4;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
    *len = sizeof *a6;
    return AF_INET6;
  }
  return 0;
}

/* libuv says the epoll set has ready sockets: JS drains them (it calls drain()). */
static void on_poll(uv_poll_t* handle, int status, int events) {
  (void)status;
  (void)events;
  Instance* in = (Instance*)handle->data;
  napi_env env = in->env;
  if (!in->on_readable) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, recv, result;
  napi_get_reference_value(env, in->on_readable, &fn);
  napi_get_global(env, &recv);
  if (napi_make_callback(env, in->async_ctx, recv, fn, 0, NULL, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
}

static void update_polling(Instance* in) {
  int want = in->watched > 0 && in->on_readable != NULL;
  if (want && !in->polling) {
    if (!in->poll_ready) {
      uv_loop_t* loop;
      napi_get_uv_event_loop(in->env, &loop);
      if (uv_poll_init(loop, &in->poll, in->epfd) != 0) return;
      in->poll.data = in;
      in->poll_ready = 1;
    }
    if (uv_poll_start(&in->poll, UV_READABLE, on_poll) == 0) in->polling = 1;
  } else if (!want && in->polling) {
    uv_poll_stop(&in->poll);
    in->polling = 0;
  }
}

/* open(address, port, recvBufferBytes) → fd, or -errno. Port 0 binds any free port. */
static napi_value Open(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  Instance* in = instance(env);
  char text[64];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[0], text, sizeof text, &n) != napi_ok) return int_value(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len;
  int family = parse_address(text, get_i32(env, argv[1]), &ss, &len);
  if (!family) return int_value(env, -EINVAL);
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return int_value(env, -errno);
  if (family == AF_INET6) {
    int on = 1;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  if (bind(fd, (struct sockaddr*)&ss, len) != 0) {
    int e = errno;
    close(fd);
    return int_value(env, -e);
  }
  int rcv = get_i32(env, argv[2]);
  if (rcv > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  FdState* st = fd_state(in, fd);
  if (!st) {
    close(fd);
    return int_value(env, -ENOMEM);
  }
  *st = FD_UNUSED;
  st->owned = 1;
  return int_value(env, fd);
}

/*
 * connect(fd, address, port) → 0 or -errno: the socket then takes datagrams from that peer only, and the
 * kernel finds it for them without a route or wildcard lookup (early demux). For the benchmark's simulated
 * phones; Parley's own media sockets stay unconnected so that foreign sources are seen and counted.
 */
static napi_value Connect(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  char text[64];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[1], text, sizeof text, &n) != napi_ok) return int_value(env, -EINVAL);
  struct sockaddr_storage ss;
  socklen_t len;
  if (!parse_address(text, get_i32(env, argv[2]), &ss, &len)) return int_value(env, -EINVAL);
  if (connect(get_i32(env, argv[0]), (struct sockaddr*)&ss, len) != 0) return int_value(env, -errno);
  return int_value(env, 0);
}

/* localPort(fd) → the bound port, or -errno. */
static napi_value LocalPort(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(get_i32(env, argv[0]), (struct sockaddr*)&ss, &len) != 0) return int_value(env, -errno);
  int32_t rec[RECORD_WORDS] = {0};
  to_words(&ss, rec);
  return int_value(env, rec[3]);
}

/* watch(fd, id) → 0 or -errno: the socket's datagrams are drained with this id from now on. */
static napi_value Watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  Instance* in = instance(env);
  int fd = get_i32(env, argv[0]);
  int32_t id = get_i32(env, argv[1]);
  if (fd < 0 || fd >= in->fds_len || !in->fds[fd].owned) return int_value(env, -EBADF);
  int r = epoll_watch(in, fd, id);
  if (r != 0) return int_value(env, r);
  in->fds[fd].id = id;
  in->watched++;
  update_polling(in);
  return int_value(env, 0);
}

/* close(fd): stops watching and closes the socket. Idempotent per fd as long as JS does not reuse it. */
static napi_value Close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  Instance* in = instance(env);
  int fd = get_i32(env, argv[0]);
  if (fd < 0 || fd >= in->fds_len || !in->fds[fd].owned) return int_value(env, -EBADF);
  if (in->fds[fd].listed >= 0) {
    list_remove(in, fd, 0);
    in->watched--;
  } else if (epoll_ctl(in->epfd, EPOLL_CTL_DEL, fd, NULL) == 0) {
    in->watched--;
  }
  in->fds[fd] = FD_UNUSED;
  close(fd);
  update_polling(in);
  return int_value(env, 0);
}

/* onReadable(fn): fn() is called (no arguments) when any watched socket has datagrams. */
static napi_value OnReadable(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  Instance* in = instance(env);
  if (in->on_readable) napi_delete_reference(env, in->on_readable);
  in->on_readable = NULL;
  napi_valuetype t;
  napi_typeof(env, argv[0], &t);
  if (t == napi_function) {
    napi_create_reference(env, argv[0], 1, &in->on_readable);
    /* Read as packets arrive from now on: every socket must be in the epoll set that libuv polls. */
    unlist_all(in);
  }
  update_polling(in);
  return NULL;
}

/* Where a drain call writes: the slab and records, how far it got, and each record's kernel stamp. */
typedef struct {
  uint8_t* slab;
  size_t slab_len;
  size_t offset;
  int32_t* recs;
  int max;
  int count;
} DrainOut;

enum { READ_NONE = 0, READ_ONE = 1, READ_FULL = -1 };

/*
 * Reads one datagram of `fd` into the slab (one record), or records a socket error. READ_NONE when nothing
 * was waiting, READ_FULL when the slab or the records are full.
 */
static int read_one(Instance* in, int fd, int32_t id, DrainOut* out) {
  if (out->count >= out->max) return READ_FULL;
  if (out->offset >= out->slab_len || (out->slab_len - out->offset) < SLOT_BYTES) return READ_FULL;
  char control[CMSG_SPACE(sizeof(struct timespec))];
  struct iovec iov = {out->slab + out->offset, SLOT_BYTES};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_name = &in->from;
  mh.msg_namelen = sizeof in->from;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = control;
  mh.msg_controllen = sizeof control;
  ssize_t got;
  do got = recvmsg(fd, &mh, MSG_DONTWAIT);
  while (got < 0 && errno == EINTR);
  int32_t* r = out->recs + out->count * RECORD_WORDS;
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return READ_NONE;
    memset(r, 0, RECORD_WORDS * 4);
    r[0] = id;
    r[2] = -errno;
    in->stamps[out->count++] = 0;
    return READ_ONE;
  }
  memset(r, 0, RECORD_WORDS * 4);
  int64_t stamp = 0;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec t;
      memcpy(&t, CMSG_DATA(c), sizeof t);
      stamp = (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
    }
  }
  in->stamps[out->count] = stamp;
  to_words(&in->from, r);
  r[0] = id;
  r[1] = (int32_t)out->offset;
  if (mh.msg_flags & MSG_TRUNC) {
    r[2] = SLOT_BYTES + 1;
  } else {
    r[2] = (int32_t)got;
    out->offset = (out->offset + (size_t)got + 7) & ~(size_t)7;
  }
  out->count++;
  return READ_ONE;
}

static int64_t realtime_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* Reads the listed sockets from where the drain under way got to. READ_FULL when it had to stop. */
static int read_list(Instance* in, DrainOut* out) {
  while (in->list_pos < in->list_len) {
    int fd = in->list[in->list_pos];
    FdState* st = &in->fds[fd];
    int reads = 0;
    for (;;) {
      int first = out->count;
      int got = read_one(in, fd, st->id, out);
      if (got == READ_FULL) return READ_FULL;
      if (got == READ_NONE) break;
      reads++;
      /* A datagram already queued when the previous drain began: more wait behind it (a backlog). */
      int64_t stamp = in->stamps[first];
      if (reads >= LIST_READS_PER_DRAIN || out->recs[first * RECORD_WORDS + 2] < 0) break;
      if (!stamp || !in->previous_start || stamp >= in->previous_start) break;
    }
    if (reads > 0) {
      st->streak = 0;
    } else if (++st->streak >= UNLIST_AFTER_EMPTY && list_remove(in, fd, 1)) {
      /* Quiet for a second (on hold, or its far end stopped): back to epoll; the entry moved here is next. */
      continue;
    }
    in->list_pos++;
  }
  return READ_ONE;
}

/*
 * drain(slab: Uint8Array, offset, records: Int32Array, begin) → count: reads every ready socket (recvmsg,
 * never blocking) into the slab from `offset` on (each packet 8-byte aligned), one record per datagram or
 * socket error, until nothing is ready or the slab or records are full. `begin` (default 1) is 1 for the
 * first call of a drain (a tick), 0 for the calls that continue it after the caller handled a full set.
 *   - listed sockets (read per tick, see the top) are each read once, again while they hold a backlog;
 *   - then the epoll set: one datagram per ready socket per round (a socket with more stays ready, being
 *     level-triggered, for the next round); while there is no callback, a socket read in LIST_AFTER_READS
 *     drains in a row joins the list.
 */
static napi_value Drain(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return NULL;
  }
  Instance* in = instance(env);
  DrainOut out;
  uint8_t* recbytes;
  size_t rec_len;
  if (!typed_bytes(env, argv[0], &out.slab, &out.slab_len) || !typed_bytes(env, argv[2], &recbytes, &rec_len))
    return NULL;
  out.offset = (size_t)get_i32(env, argv[1]);
  out.recs = (int32_t*)recbytes;
  out.max = (int)(rec_len / 4 / RECORD_WORDS);
  out.count = 0;
  if (out.max > in->stamps_len) {
    int64_t* grown = realloc(in->stamps, (size_t)out.max * sizeof(int64_t));
    if (!grown) return int_value(env, -ENOMEM);
    in->stamps = grown;
    in->stamps_len = out.max;
  }
  if (argc < 4 || get_i32(env, argv[3])) {
    in->drain_no++;
    in->previous_start = in->drain_start;
    in->drain_start = realtime_ns();
    in->list_pos = 0;
  }
  int listing = in->list_busy && in->on_readable == NULL;
  if (read_list(in, &out) == READ_FULL) goto full;
  for (int round = 0; round < 4; round++) {
    int ready = epoll_wait(in->epfd, in->events, MAX_EVENTS, 0);
    if (ready <= 0) break;
    for (int e = 0; e < ready; e++) {
      int fd = (int)(uint32_t)(in->events[e].data.u64 & 0xffffffffu);
      int32_t id = (int32_t)(uint32_t)(in->events[e].data.u64 >> 32);
      int got = read_one(in, fd, id, &out);
      if (got == READ_FULL) goto full;
      if (got == READ_NONE || !listing) continue;
      FdState* st = &in->fds[fd];
      if (st->last_drain == in->drain_no) continue;
      st->streak = st->last_drain + 1 == in->drain_no ? st->streak + 1 : 1;
      st->last_drain = in->drain_no;
      /* Busy: read directly from the next drain on (this drain's list pass is over: no double read). */
      if (st->streak >= LIST_AFTER_READS) {
        list_add(in, fd);
        in->list_pos = in->list_len;
      }
    }
  }
full:
  /* Ages against one clock reading at the end, so the caller's own clock read right after the call lines up. */
  if (out.count > 0) {
    int64_t now_ns = realtime_ns();
    for (int i = 0; i < out.count; i++) {
      int64_t age = in->stamps[i] ? (now_ns - in->stamps[i]) / 1000 : 0;
      out.recs[i * RECORD_WORDS + 9] = (int32_t)(age < 0 ? 0 : age > 2000000000 ? 2000000000 : age);
    }
  }
  return int_value(env, out.count);
}

/*
 * listBusy(on): whether sockets read in LIST_AFTER_READS drains in a row leave the epoll set to be read
 * directly at every drain (see the top). Only while no readable callback is set; off puts them all back.
 */
static napi_value ListBusy(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  Instance* in = instance(env);
  bool on = false;
  napi_get_value_bool(env, argv[0], &on);
  in->list_busy = on ? 1 : 0;
  if (!on) unlist_all(in);
  return NULL;
}

/* listed() → how many sockets are read at every drain rather than through epoll (tests, diagnostics). */
static napi_value Listed(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, instance(env)->list_len);
}

static void ring_close(SendRing* r) {
  if (r->sqes && r->sqes != MAP_FAILED) munmap(r->sqes, r->sqes_bytes);
  if (r->rings && r->rings != MAP_FAILED) munmap(r->rings, r->rings_bytes);
  if (r->fd >= 0) close(r->fd);
  r->fd = RING_OFF;
  r->sqes = NULL;
  r->rings = NULL;
}

/* Sets up the instance's send ring; RING_OFF in its fd when the kernel refuses (then sendto is used). */
static void ring_open(SendRing* r) {
#ifndef HAVE_SEND_RING
  r->fd = RING_OFF;
  return;
#endif
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
  r->fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  if (r->fd < 0 && errno == EINVAL) {
    /* A kernel before 5.19: without the flags. */
    memset(&p, 0, sizeof p);
    r->fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  }
  if (r->fd < 0 || !(p.features & IORING_FEAT_SINGLE_MMAP) || p.sq_entries < RING_ENTRIES) {
    ring_close(r);
    return;
  }
  size_t sq_bytes = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_bytes = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  r->rings_bytes = sq_bytes > cq_bytes ? sq_bytes : cq_bytes;
  r->rings = mmap(NULL, r->rings_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
  r->sqes_bytes = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sqes = mmap(NULL, r->sqes_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
  if (r->rings == MAP_FAILED || r->sqes == MAP_FAILED) {
    ring_close(r);
    return;
  }
  char* base = r->rings;
  r->sq_tail = (unsigned*)(base + p.sq_off.tail);
  r->sq_mask = (unsigned*)(base + p.sq_off.ring_mask);
  r->cq_head = (unsigned*)(base + p.cq_off.head);
  r->cq_tail = (unsigned*)(base + p.cq_off.tail);
  r->cq_mask = (unsigned*)(base + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe*)(base + p.cq_off.cqes);
  /* The submission array maps ring slots to SQEs one to one, once for all. */
  unsigned* array = (unsigned*)(base + p.sq_off.array);
  for (unsigned i = 0; i < p.sq_entries; i++) array[i] = i;
}

static SendRing* send_ring(Instance* in) {
  if (!in->use_ring) return NULL;
  if (!in->ring) {
    in->ring = calloc(1, sizeof(SendRing));
    if (!in->ring) return NULL;
    in->ring->fd = RING_UNSET;
  }
  if (in->ring->fd == RING_UNSET) ring_open(in->ring);
  return in->ring->fd >= 0 ? in->ring : NULL;
}

/* One record's send by sendto; its length becomes -errno on failure. Returns 1 on failure. */
static int send_one(int32_t* r, const uint8_t* slab, const PeerAddr* pa, socklen_t alen) {
  ssize_t sent;
  do sent = sendto(r[0], slab + (uint32_t)r[1], (uint32_t)r[2], 0, (const struct sockaddr*)pa, alen);
  while (sent < 0 && errno == EINTR);
  if (sent >= 0) return 0;
  r[2] = -errno;
  return 1;
}

/* Checks a record; its length becomes -EINVAL when its address or bytes are bad. Returns the address length. */
static socklen_t check_record(int32_t* r, size_t slab_len, PeerAddr* pa) {
  socklen_t alen = from_words(r, pa);
  if (!alen || (size_t)(uint32_t)r[1] + (size_t)(uint32_t)r[2] > slab_len) {
    r[2] = -EINVAL;
    return 0;
  }
  return alen;
}

/* One record checked and sent by sendto; returns 1 when it failed (its length is then -errno). */
static int send_record(int32_t* r, const uint8_t* slab, size_t slab_len) {
  PeerAddr pa;
  socklen_t alen = check_record(r, slab_len, &pa);
  return alen ? send_one(r, slab, &pa, alen) : 1;
}

/* Reaps the ring's completions into their records; returns how many, adding failures to `*failures`. */
static int ring_reap(Instance* in, SendRing* ring, int32_t* recs, uint8_t* slab, size_t slab_len, int* failures) {
  unsigned head = *ring->cq_head;
  unsigned tail = __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE);
  int reaped = 0;
  for (; head != tail; head++, reaped++) {
    struct io_uring_cqe* c = &ring->cqes[head & *ring->cq_mask];
    int32_t* r = recs + (int)c->user_data * RECORD_WORDS;
    if (c->res >= 0) continue;
    if (c->res == -EINVAL) {
      /* Either the datagram is bad (sendto says so too) or the kernel takes no destination on SEND
         (before 6.0): then sendto from now on. */
      int failed = send_record(r, slab, slab_len);
      if (!failed) in->use_ring = 0;
      *failures += failed;
    } else {
      r[2] = c->res;
      (*failures)++;
    }
  }
  __atomic_store_n(ring->cq_head, head, __ATOMIC_RELEASE);
  return reaped;
}

/*
 * Sends records [from, from + n) (n ≤ RING_ENTRIES) through the ring: one io_uring_enter submits them all,
 * and each completes during it (MSG_DONTWAIT). Returns the failures. Records the ring could not take (it
 * failed, and is closed) are sent by sendto.
 */
static int ring_send(Instance* in, SendRing* ring, int32_t* recs, int from, int n, uint8_t* slab, size_t slab_len) {
  unsigned tail = *ring->sq_tail;
  unsigned mask = *ring->sq_mask;
  int queued = 0, failures = 0;
  for (int i = from; i < from + n; i++) {
    int32_t* r = recs + i * RECORD_WORDS;
    unsigned slot = (tail + queued) & mask;
    socklen_t alen = check_record(r, slab_len, &ring->addrs[slot]);
    if (!alen) {
      failures++;
      continue;
    }
    struct io_uring_sqe* e = &ring->sqes[slot];
    memset(e, 0, sizeof *e);
    e->opcode = IORING_OP_SEND;
    e->fd = r[0];
    e->addr = (uint64_t)(uintptr_t)(slab + (uint32_t)r[1]);
    e->len = (uint32_t)r[2];
    e->msg_flags = MSG_DONTWAIT;
    e->addr2 = (uint64_t)(uintptr_t)&ring->addrs[slot];
#ifdef HAVE_SEND_RING
    e->addr_len = (uint16_t)alen;
#endif
    e->user_data = (uint64_t)i;
    queued++;
  }
  if (!queued) return failures;
  __atomic_store_n(ring->sq_tail, tail + queued, __ATOMIC_RELEASE);
  int submitted = 0;
  while (submitted < queued) {
    int got = (int)syscall(__NR_io_uring_enter, ring->fd, queued - submitted, 0, 0, NULL, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    submitted += got;
  }
  int completed = ring_reap(in, ring, recs, slab, slab_len, &failures);
  while (completed < submitted) {
    /* Not all done during submission (none should wait, but the kernel may finish some a moment later). */
    int got = (int)syscall(__NR_io_uring_enter, ring->fd, 0, submitted - completed, IORING_ENTER_GETEVENTS, NULL, 0);
    if (got < 0 && errno != EINTR) break;
    completed += ring_reap(in, ring, recs, slab, slab_len, &failures);
  }
  if (submitted < queued || completed < submitted) {
    /* The ring failed: close it (what it still holds is dropped), and send what it never took by sendto. */
    for (int k = submitted; k < queued; k++)
      failures += send_record(recs + (int)ring->sqes[(tail + k) & mask].user_data * RECORD_WORDS, slab, slab_len);
    ring_close(ring);
  }
  return failures;
}

/*
 * sendBatch(count, slab: Uint8Array, records: Int32Array) → failures: sends each record's bytes from its fd
 * to its address (every packet leaves a different socket): through the send ring, or sendto each. A failed
 * send's length becomes -errno.
 */
static napi_value SendBatch(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  uint8_t *slab, *recbytes;
  size_t slab_len, rec_len;
  if (!typed_bytes(env, argv[1], &slab, &slab_len) || !typed_bytes(env, argv[2], &recbytes, &rec_len)) return NULL;
  int count = get_i32(env, argv[0]);
  int32_t* recs = (int32_t*)recbytes;
  if (count < 0 || (size_t)count * RECORD_WORDS * 4 > rec_len) return int_value(env, -EINVAL);
  Instance* in = instance(env);
  int failures = 0;
  int i = 0;
  SendRing* ring;
  while (i < count && (ring = send_ring(in))) {
    int n = count - i < RING_ENTRIES ? count - i : RING_ENTRIES;
    failures += ring_send(in, ring, recs, i, n, slab, slab_len);
    i += n;
  }
  for (; i < count; i++) failures += send_record(recs + i * RECORD_WORDS, slab, slab_len);
  return int_value(env, failures);
}

/* ioUring(on?) → whether sends go through io_uring: `on` false turns it off for this thread, true back on. */
static napi_value IoUring(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc = 1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Instance* in = instance(env);
  if (argc >= 1) {
    bool on = true;
    napi_get_value_bool(env, argv[0], &on);
    in->use_ring = on ? 1 : 0;
  }
  napi_value out;
  napi_get_boolean(env, send_ring(in) != NULL, &out);
  return out;
}

/* parseAddress(text, out: Int32Array) → family 4 or 6 (words written at out[4..8]), 0 when not an IP. */
static napi_value ParseAddress(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char text[64];
  size_t n;
  if (napi_get_value_string_utf8(env, argv[0], text, sizeof text, &n) != napi_ok) return int_value(env, 0);
  uint8_t* bytes;
  size_t len;
  if (!typed_bytes(env, argv[1], &bytes, &len)) return NULL;
  if (len < RECORD_WORDS * 4) return int_value(env, 0);
  struct sockaddr_storage ss;
  socklen_t alen;
  if (!parse_address(text, 0, &ss, &alen)) return int_value(env, 0);
  int32_t rec[RECORD_WORDS] = {0};
  to_words(&ss, rec);
  memcpy(bytes + 16, rec + 4, 5 * 4);
  return int_value(env, rec[4]);
}

/* formatAddress(family, w0, w1, w2, w3) → the address as text (inet_ntop). */
static napi_value FormatAddress(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  int32_t rec[RECORD_WORDS] = {0};
  rec[4] = get_i32(env, argv[0]);
  for (int i = 0; i < 4; i++) rec[5 + i] = get_i32(env, argv[1 + i]);
  PeerAddr pa;
  if (!from_words(rec, &pa)) return NULL;
  char text[INET6_ADDRSTRLEN];
  int family = pa.v4.sin_family;
  const void* src = family == AF_INET ? (const void*)&pa.v4.sin_addr : (const void*)&pa.v6.sin6_addr;
  if (!inet_ntop(family, src, text, sizeof text)) return NULL;
  napi_value out;
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &out);
  return out;
}

/*
 * raisePriority(realtimePriority, nice) → 2 (real-time), 1 (nice applied), 0 (neither: not permitted), for the
 * CALLING thread only (a media worker's own thread), as media servers run their media threads: a 20 ms
 * clock must not wait behind the machine's other work for a time slice.
 *   - real-time: SCHED_RR at `realtimePriority` (1..99, 0 skips it) with SCHED_RESET_ON_FORK, so threads
 *     this thread happens to create (libuv's pool, say) start back at normal priority;
 *   - otherwise nice `nice` (e.g. -10) for this thread alone (Linux keeps nice per thread).
 * Both need CAP_SYS_NICE (or an RLIMIT_RTPRIO / RLIMIT_NICE allowance); without it nothing changes. The
 * kernel's real-time throttling (sched_rt_runtime_us) still leaves the rest of the machine 5 % of a core
 * should a media thread ever spin.
 */
static napi_value RaisePriority(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int rt = get_i32(env, argv[0]);
  int nice_value = get_i32(env, argv[1]);
  if (rt > 0) {
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    sp.sched_priority = rt;
    if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) == 0) return int_value(env, 2);
  }
  if (nice_value != 0) {
    pid_t tid = (pid_t)syscall(SYS_gettid);
    if (setpriority(PRIO_PROCESS, (id_t)tid, nice_value) == 0) return int_value(env, 1);
  }
  return int_value(env, 0);
}

static void free_instance(Instance* in) {
  for (int fd = 0; fd < in->fds_len; fd++)
    if (in->fds[fd].owned) close(fd);
  if (in->epfd >= 0) close(in->epfd);
  free(in->fds);
  free(in->list);
  free(in->stamps);
  if (in->ring) {
    ring_close(in->ring);
    free(in->ring);
  }
  free(in);
}

static void on_poll_closed(uv_handle_t* handle) {
  Instance* in = (Instance*)handle->data;
  napi_async_cleanup_hook_handle hook = in->cleanup;
  free_instance(in);
  napi_remove_async_cleanup_hook(hook);
}

/* Environment teardown (thread exit): the poll handle must be closed before libuv's loop is. */
static void teardown(napi_async_cleanup_hook_handle handle, void* arg) {
  Instance* in = (Instance*)arg;
  in->cleanup = handle;
  if (in->on_readable) napi_delete_reference(in->env, in->on_readable);
  in->on_readable = NULL;
  napi_async_destroy(in->env, in->async_ctx);
  if (in->poll_ready) {
    uv_poll_stop(&in->poll);
    uv_close((uv_handle_t*)&in->poll, on_poll_closed);
    return;
  }
  free_instance(in);
  napi_remove_async_cleanup_hook(handle);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  Instance* in = calloc(1, sizeof(Instance));
  if (!in) return NULL;
  in->env = env;
  in->use_ring = 1;
  in->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (in->epfd < 0) {
    free(in);
    napi_throw_error(env, NULL, "epoll_create1 failed");
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "parley_udp", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &in->async_ctx);
  napi_set_instance_data(env, in, NULL, NULL);
  napi_add_async_cleanup_hook(env, teardown, in, NULL);
  napi_property_descriptor props[] = {
    {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
    {"localPort", NULL, LocalPort, NULL, NULL, NULL, napi_enumerable, NULL},
    {"connect", NULL, Connect, NULL, NULL, NULL, napi_enumerable, NULL},
    {"watch", NULL, Watch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, Close, NULL, NULL, NULL, napi_enumerable, NULL},
    {"onReadable", NULL, OnReadable, NULL, NULL, NULL, napi_enumerable, NULL},
    {"drain", NULL, Drain, NULL, NULL, NULL, napi_enumerable, NULL},
    {"listed", NULL, Listed, NULL, NULL, NULL, napi_enumerable, NULL},
    {"listBusy", NULL, ListBusy, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sendBatch", NULL, SendBatch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"ioUring", NULL, IoUring, NULL, NULL, NULL, napi_enumerable, NULL},
    {"parseAddress", NULL, ParseAddress, NULL, NULL, NULL, napi_enumerable, NULL},
    {"formatAddress", NULL, FormatAddress, NULL, NULL, NULL, napi_enumerable, NULL},
    {"raisePriority", NULL, RaisePriority, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  /* The record layout's size, so that JS (and a build from another version) can check it. */
  napi_value words;
  napi_create_int32(env, RECORD_WORDS, &words);
  napi_set_named_property(env, exports, "recordWords", words);
  return exports;
}
