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
 *   [9] (drain) how long before the drain returned the kernel received the datagram, µs (0 if unknown)
 *
 * Every socket asks for the kernel's receive timestamps (SO_TIMESTAMPNS): a caller that reads its sockets
 * only once per 20 ms tick still knows when each packet arrived (jitter buffers and RTCP jitter need it).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <node_api.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
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
  /* fds opened through this instance (index = fd), closed at teardown if JS did not. */
  uint8_t* owned;
  int owned_len;
  struct sockaddr_storage from;
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

static void set_owned(Instance* in, int fd, uint8_t on) {
  if (fd < 0) return;
  if (fd >= in->owned_len) {
    int len = in->owned_len ? in->owned_len : 1024;
    while (len <= fd) len *= 2;
    uint8_t* grown = realloc(in->owned, len);
    if (!grown) return;
    memset(grown + in->owned_len, 0, len - in->owned_len);
    in->owned = grown;
    in->owned_len = len;
  }
  in->owned[fd] = on;
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

static socklen_t from_words(const int32_t* rec, struct sockaddr_storage* ss) {
  memset(ss, 0, sizeof *ss);
  if (rec[4] == 4) {
    struct sockaddr_in* a = (struct sockaddr_in*)ss;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)rec[3]);
    a->sin_addr.s_addr = htonl((uint32_t)rec[5]);
    return sizeof *a;
  }
  if (rec[4] == 6) {
    struct sockaddr_in6* a = (struct sockaddr_in6*)ss;
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
  set_owned(in, fd, 1);
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
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.u64 = ((uint64_t)(uint32_t)get_i32(env, argv[1]) << 32) | (uint32_t)fd;
  if (epoll_ctl(in->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) return int_value(env, -errno);
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
  if (fd < 0 || fd >= in->owned_len || !in->owned[fd]) return int_value(env, -EBADF);
  if (epoll_ctl(in->epfd, EPOLL_CTL_DEL, fd, NULL) == 0) in->watched--;
  set_owned(in, fd, 0);
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
  if (t == napi_function) napi_create_reference(env, argv[0], 1, &in->on_readable);
  update_polling(in);
  return NULL;
}

/*
 * drain(slab: Uint8Array, offset, records: Int32Array) → count: reads every ready socket (recvmsg, never
 * blocking, one datagram per socket per epoll round) into the slab from `offset` on (each packet 8-byte aligned), one record per datagram or socket
 * error, until nothing is ready or the slab or records are full (the epoll set then stays readable).
 */
static napi_value Drain(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  Instance* in = instance(env);
  uint8_t *slab, *recbytes;
  size_t slab_len, rec_len;
  if (!typed_bytes(env, argv[0], &slab, &slab_len) || !typed_bytes(env, argv[2], &recbytes, &rec_len)) return NULL;
  size_t offset = (size_t)get_i32(env, argv[1]);
  int32_t* recs = (int32_t*)recbytes;
  int max = (int)(rec_len / 4 / RECORD_WORDS);
  if (max > in->stamps_len) {
    int64_t* grown = realloc(in->stamps, (size_t)max * sizeof(int64_t));
    if (!grown) return int_value(env, -ENOMEM);
    in->stamps = grown;
    in->stamps_len = max;
  }
  int count = 0;
  char control[CMSG_SPACE(sizeof(struct timespec))];
  for (int round = 0; round < 4 && count < max; round++) {
    int ready = epoll_wait(in->epfd, in->events, MAX_EVENTS, 0);
    if (ready <= 0) break;
    for (int e = 0; e < ready; e++) {
      int fd = (int)(uint32_t)(in->events[e].data.u64 & 0xffffffffu);
      int32_t id = (int32_t)(uint32_t)(in->events[e].data.u64 >> 32);
      /*
       * One datagram per ready socket per epoll round, read straight into the slab. A media socket holds
       * one packet per tick, so a second read would nearly always come back empty (EAGAIN) and cost a
       * whole receive attempt; a socket with more waiting stays ready (level-triggered) for the next round.
       */
      if (count >= max) goto full;
      if (offset >= slab_len || (slab_len - offset) < SLOT_BYTES) goto full;
      struct iovec iov = {slab + offset, SLOT_BYTES};
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
      int32_t* r = recs + count * RECORD_WORDS;
      if (got < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          memset(r, 0, RECORD_WORDS * 4);
          r[0] = id;
          r[2] = -errno;
          in->stamps[count] = 0;
          count++;
        }
        continue;
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
      in->stamps[count] = stamp;
      to_words(&in->from, r);
      r[0] = id;
      r[1] = (int32_t)offset;
      if (mh.msg_flags & MSG_TRUNC) {
        r[2] = SLOT_BYTES + 1;
      } else {
        r[2] = (int32_t)got;
        offset = (offset + (size_t)got + 7) & ~(size_t)7;
      }
      count++;
    }
  }
full:
  /* Ages against one clock reading at the end, so the caller's own clock read right after the call lines up. */
  if (count > 0) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    for (int i = 0; i < count; i++) {
      int64_t age = in->stamps[i] ? (now_ns - in->stamps[i]) / 1000 : 0;
      recs[i * RECORD_WORDS + 9] = (int32_t)(age < 0 ? 0 : age > 2000000000 ? 2000000000 : age);
    }
  }
  return int_value(env, count);
}

/*
 * sendBatch(count, slab: Uint8Array, records: Int32Array) → failures: sends each record's bytes from its fd
 * to its address (sendto; every packet leaves a different socket). A failed send's length becomes -errno.
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
  int failures = 0;
  struct sockaddr_storage ss;
  for (int i = 0; i < count; i++) {
    int32_t* r = recs + i * RECORD_WORDS;
    size_t off = (size_t)(uint32_t)r[1];
    size_t len = (size_t)(uint32_t)r[2];
    socklen_t alen = from_words(r, &ss);
    if (!alen || off + len > slab_len) {
      r[2] = -EINVAL;
      failures++;
      continue;
    }
    ssize_t sent;
    do sent = sendto(r[0], slab + off, len, 0, (struct sockaddr*)&ss, alen);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      r[2] = -errno;
      failures++;
    }
  }
  return int_value(env, failures);
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
  struct sockaddr_storage ss;
  if (!from_words(rec, &ss)) return NULL;
  char text[INET6_ADDRSTRLEN];
  const void* src = ss.ss_family == AF_INET ? (const void*)&((struct sockaddr_in*)&ss)->sin_addr
                                             : (const void*)&((struct sockaddr_in6*)&ss)->sin6_addr;
  if (!inet_ntop(ss.ss_family, src, text, sizeof text)) return NULL;
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
  for (int fd = 0; fd < in->owned_len; fd++)
    if (in->owned[fd]) close(fd);
  if (in->epfd >= 0) close(in->epfd);
  free(in->owned);
  free(in->stamps);
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
    {"sendBatch", NULL, SendBatch, NULL, NULL, NULL, napi_enumerable, NULL},
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
