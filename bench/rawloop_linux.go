//go:build linux && (amd64 || arm64)

package bench

import (
	"bytes"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"
	"unsafe"
)

// The probe process's loop, on Linux. Sent through fasthttp's client, 1,000
// lookups a second cost the probe about half a CPU on a 2-core VM, taken at
// real-time priority from the server it measures: every time the process
// went from idle to busy, Go's sysmon thread woke and polled every 20 µs
// (12,000 wake-ups a second, each a few tens of µs of a virtual CPU).
// Here one goroutine, locked to its thread, owns every connection and
// waits in epoll_pwait2 through a raw system call, so the Go scheduler
// never sees the process idle, sysmon backs off to its 10 ms tick, and the
// process wakes only when a request is due or an answer arrives.

const sysEpollPwait2 = 441 // the same number on amd64 and arm64

// rawConn is one keep-alive connection and the request it carries.
type rawConn struct {
	fd   int
	req  []byte    // the request's bytes, reused from one request to the next
	out  []byte    // the part of req not yet written
	outQ bool      // epoll is asked for writability, to write the rest of out
	in   []byte    // answer bytes read so far
	due  time.Time // when the request was due, which its latency counts from
	sent time.Time // when it went out, which its timeout counts from
	busy bool
}

// answerTimeout is how long a request waits for its answer before it fails
// and its connection is dropped, as fasthttp's client's ReadTimeout does
// in Target.client.
const answerTimeout = 10 * time.Second

// rawLoop is the prober's connections, their epoll set and the figures.
type rawLoop struct {
	t       Target
	sa      syscall.Sockaddr
	family  int
	head    []byte // the request line's tail and headers, after the path
	ep      int
	conns   []*rawConn
	byFd    map[int]*rawConn
	idle    []*rawConn // first in, first out, so every connection stays warm
	lat     []time.Duration
	errs    int
	pwait2  bool
	readBuf []byte
	timeout time.Duration // answerTimeout but in tests
}

// probeLoop sends spec's lookups at its rate on its connections until quit
// is closed, then finishes the turn of a second in progress.
func probeLoop(spec ProbeSpec, quit <-chan struct{}) (Stats, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	l, err := newRawLoop(spec.target(), spec.Conns)
	if err != nil {
		return Stats{}, err
	}
	defer l.close()
	return l.run(spec.Rate, quit)
}

func newRawLoop(t Target, conns int) (*rawLoop, error) {
	a, err := net.ResolveTCPAddr("tcp", t.Addr)
	if err != nil {
		return nil, fmt.Errorf("bench: probe: %w", err)
	}
	l := &rawLoop{t: t, byFd: map[int]*rawConn{}, pwait2: true, readBuf: make([]byte, 64<<10), timeout: answerTimeout}
	if ip4 := a.IP.To4(); ip4 != nil {
		sa := &syscall.SockaddrInet4{Port: a.Port}
		copy(sa.Addr[:], ip4)
		l.sa, l.family = sa, syscall.AF_INET
	} else {
		sa := &syscall.SockaddrInet6{Port: a.Port}
		copy(sa.Addr[:], a.IP.To16())
		l.sa, l.family = sa, syscall.AF_INET6
	}
	var h bytes.Buffer
	h.WriteString(" HTTP/1.1\r\nHost: " + t.Addr + "\r\n")
	if auth := t.header(); auth != "" {
		h.WriteString("Authorization: " + auth + "\r\n")
	}
	l.head = h.Bytes()
	if l.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return nil, fmt.Errorf("bench: probe: epoll: %w", err)
	}
	for range conns {
		c := &rawConn{fd: -1}
		if err := l.dial(c); err != nil {
			l.close()
			return nil, err
		}
		l.conns = append(l.conns, c)
		l.idle = append(l.idle, c)
	}
	return l, nil
}

// dial connects c; a blocking connect to the server's address, done
// between requests, is as quick as the loopback.
func (l *rawLoop) dial(c *rawConn) error {
	fd, err := syscall.Socket(l.family, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bench: probe: socket: %w", err)
	}
	if err := syscall.Connect(fd, l.sa); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("bench: probe: connect %s: %w", l.t.Addr, err)
	}
	syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("bench: probe: %w", err)
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		syscall.Close(fd)
		return fmt.Errorf("bench: probe: epoll: %w", err)
	}
	c.fd, c.in = fd, c.in[:0]
	l.byFd[fd] = c
	return nil
}

func (l *rawLoop) hangUp(c *rawConn) {
	if c.fd >= 0 {
		delete(l.byFd, c.fd)
		syscall.Close(c.fd) // closing drops it from the epoll set too
		c.fd, c.outQ = -1, false
	}
}

func (l *rawLoop) close() {
	for _, c := range l.conns {
		l.hangUp(c)
	}
	syscall.Close(l.ep)
}

// appendRequest appends the i-th request as Target.send would send it.
func (l *rawLoop) appendRequest(b []byte, i int) []byte {
	if l.t.JSON != nil {
		b = append(b, "POST "...)
	} else {
		b = append(b, "GET "...)
	}
	b = append(b, l.t.Path(i)...)
	b = append(b, l.head...)
	if l.t.JSON == nil {
		return append(b, "\r\n"...)
	}
	body := l.t.JSON(i)
	b = append(b, "Content-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

func (l *rawLoop) run(rate int, quit <-chan struct{}) (Stats, error) {
	interval := time.Second / time.Duration(rate)
	events := make([]syscall.EpollEvent, len(l.conns)+1)
	l.lat = make([]time.Duration, 0, rate*64)
	start := time.Now()
	next, end := 0, -1 // the next request to send; once quit is closed, the first not to
	for {
		if end < 0 {
			select {
			case <-quit:
				// Finish the turn of a second in progress, or the first.
				end = max((next+rate-1)/rate, 1) * rate
			default:
			}
		}
		now := time.Now()
		sending := end < 0 || next < end
		for sending && len(l.idle) > 0 {
			due := start.Add(time.Duration(next) * interval)
			if due.After(now) {
				break
			}
			c := l.idle[0]
			l.idle = l.idle[1:]
			l.send(c, next, due)
			next++
			sending = end < 0 || next < end
		}
		if l.expire(now) == 0 && !sending {
			break
		}
		wait := 100 * time.Millisecond // long enough to be idle, short enough to see quit
		if sending && len(l.idle) > 0 {
			wait = max(time.Until(start.Add(time.Duration(next)*interval)), 0)
		}
		n, err := l.wait(events, wait)
		if err != nil {
			return Stats{}, err
		}
		for _, ev := range events[:n] {
			c := l.byFd[int(ev.Fd)]
			if c == nil {
				continue
			}
			if ev.Events&syscall.EPOLLOUT != 0 && len(c.out) > 0 {
				l.flush(c)
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
				l.read(c)
			}
		}
	}
	slices.Sort(l.lat)
	return Stats{Requests: len(l.lat), Errors: l.errs, Elapsed: time.Since(start), lat: l.lat}, nil
}

// expire fails the requests that have waited l.timeout for their
// answer, and returns how many are still waiting.
func (l *rawLoop) expire(now time.Time) int {
	waiting := 0
	for _, c := range l.conns {
		switch {
		case !c.busy:
		case now.Sub(c.sent) >= l.timeout:
			l.hangUp(c)
			l.finish(c, false)
		default:
			waiting++
		}
	}
	return waiting
}

// send writes the request on c, dialling again first if the server had
// closed it; a request that cannot be sent counts as an error at once.
func (l *rawLoop) send(c *rawConn, i int, due time.Time) {
	c.req = l.appendRequest(c.req[:0], i)
	c.due, c.sent, c.busy, c.in = due, time.Now(), true, c.in[:0]
	if c.fd < 0 {
		if err := l.dial(c); err != nil {
			l.finish(c, false)
			return
		}
	}
	c.out = c.req
	l.flush(c)
}

// flush writes what is left of c's request. A socket that takes only part
// of it has epoll asked to say when the rest can go, and told to stop once
// it has gone; a request that goes at once, nearly every one, costs no
// epoll call.
func (l *rawLoop) flush(c *rawConn) {
	for len(c.out) > 0 {
		n, err := rawWrite(c.fd, c.out)
		if err == syscall.EAGAIN {
			if !c.outQ {
				l.watch(c, syscall.EPOLLOUT)
				c.outQ = true
			}
			return
		}
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			l.hangUp(c)
			l.finish(c, false)
			return
		}
		c.out = c.out[n:]
	}
	if c.outQ {
		l.watch(c, 0)
		c.outQ = false
	}
}

// watch has epoll report c's answers and hang-ups, and the events of also.
func (l *rawLoop) watch(c *rawConn, also uint32) {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | also, Fd: int32(c.fd)}
	syscall.EpollCtl(l.ep, syscall.EPOLL_CTL_MOD, c.fd, &ev)
}

// read takes what has arrived on c, and finishes its request once it is
// answered or the connection fails. A connection the server closed is
// dialled again when next used.
func (l *rawLoop) read(c *rawConn) {
	eof := false
	for {
		n, err := rawRead(c.fd, l.readBuf)
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			break
		}
		if err != nil || n == 0 {
			eof = true
			break
		}
		if c.busy {
			c.in = append(c.in, l.readBuf[:n]...)
		}
	}
	if !c.busy {
		if eof {
			l.hangUp(c)
		}
		return
	}
	status, size, closing, ok := parseAnswer(c.in)
	switch {
	case ok && status >= 0 && len(c.in) >= size:
		if closing || eof {
			l.hangUp(c)
		}
		l.finish(c, l.t.OK == nil || l.t.OK(status))
	case eof || (ok && status < 0):
		l.hangUp(c)
		l.finish(c, false)
	}
}

// finish records c's request and puts c back in line for the next.
func (l *rawLoop) finish(c *rawConn, ok bool) {
	l.lat = append(l.lat, time.Since(c.due))
	if !ok {
		l.errs++
	}
	c.busy, c.out, c.in = false, nil, c.in[:0]
	if c.outQ && c.fd >= 0 {
		l.watch(c, 0)
		c.outQ = false
	}
	l.idle = append(l.idle, c)
}

// wait waits in epoll up to d for events, without the Go scheduler seeing
// the thread leave.
func (l *rawLoop) wait(events []syscall.EpollEvent, d time.Duration) (int, error) {
	for {
		var r uintptr
		var errno syscall.Errno
		if l.pwait2 {
			ts := syscall.NsecToTimespec(int64(d))
			r, _, errno = syscall.RawSyscall6(sysEpollPwait2, uintptr(l.ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)),
				uintptr(unsafe.Pointer(&ts)), 0, 0)
			if errno == syscall.ENOSYS {
				l.pwait2 = false // before Linux 5.11: milliseconds will do
				continue
			}
		} else {
			ms := int((d + time.Millisecond - 1) / time.Millisecond)
			r, _, errno = syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(l.ep), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)),
				uintptr(ms), 0, 0)
		}
		switch errno {
		case 0:
			return int(r), nil
		case syscall.EINTR:
			// A signal (the Go runtime's preemption among them): let
			// the scheduler run what it has to, then wait again.
			runtime.Gosched()
			return 0, nil
		default:
			return 0, fmt.Errorf("bench: probe: epoll wait: %w", errno)
		}
	}
}

func rawRead(fd int, p []byte) (int, error) {
	r, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

func rawWrite(fd int, p []byte) (int, error) {
	r, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// parseAnswer reads an HTTP/1.1 answer's head: its status, the answer's
// whole size (head and body, by Content-Length), and whether the server
// closes the connection after it. ok is false until the head is all in;
// a status below 0 is an answer this prober cannot frame.
func parseAnswer(b []byte) (status, size int, closing, ok bool) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, 0, false, false
	}
	head := b[:end]
	line, rest, _ := bytes.Cut(head, []byte("\r\n"))
	if !bytes.HasPrefix(line, []byte("HTTP/1.")) || len(line) < 12 || line[8] != ' ' {
		return -1, 0, false, true
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil || status < 100 {
		return -1, 0, false, true
	}
	length := -1
	for len(rest) > 0 {
		var h []byte
		h, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, found := bytes.Cut(h, []byte(":"))
		if !found {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return -1, 0, false, true
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return -1, 0, false, true
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	if length < 0 {
		return -1, 0, false, true
	}
	return status, end + 4 + length, closing, true
}
