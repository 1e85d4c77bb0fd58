package agi

import (
	"encoding/binary"
	"strings"
	"time"
)

// keysPcap is a capture of RTP packets carrying keys as RFC 4733
// telephone-events (payload type 101), for SIPp's play_pcap_audio to send
// as a phone would. SIPp replays each packet's RTP as captured, so the
// one capture holds the whole call, with the sequence numbers and
// timestamps rising throughout: Asterisk drops an event whose timestamp
// is not past the last one's, which SIPp's per-key captures, played one
// after another, would break.
//
// groups are keyed gap apart; each key sounds 100 ms, 150 ms apart.
func keysPcap(groups []string, lead, gap time.Duration) []byte {
	const (
		packetEvery = 20 * time.Millisecond
		keyOn       = 100 * time.Millisecond
		keyEvery    = 250 * time.Millisecond
		samplesPerS = 8000
	)
	var b []byte
	le := binary.LittleEndian
	// pcap global header: magic, v2.4, zone 0, sigfigs 0, snaplen, Ethernet.
	b = le.AppendUint32(b, 0xa1b2c3d4)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, 65535)
	b = le.AppendUint32(b, 1)
	at := lead
	seq := uint16(1000)
	for gi, g := range groups {
		if gi > 0 {
			at += gap
		}
		for _, k := range g {
			ts := uint32(at * samplesPerS / time.Second)
			n := int(keyOn / packetEvery)
			for i := 0; i < n+3; i++ { // the end packet is sent three times
				end := i >= n-1
				dur := uint16(min(i+1, n) * int(packetEvery*samplesPerS/time.Second))
				rtp := rtpEvent(seq, ts, i == 0, event(k), end, dur)
				b = appendPacket(b, at+time.Duration(min(i, n-1)+max(i-n+1, 0))*packetEvery, rtp)
				seq++
			}
			at += keyEvery
		}
	}
	return b
}

// event is a key's RFC 4733 event code.
func event(k rune) byte {
	switch k {
	case '*':
		return 10
	case '#':
		return 11
	}
	return byte(strings.IndexRune("0123456789", k))
}

func rtpEvent(seq uint16, ts uint32, marker bool, ev byte, end bool, dur uint16) []byte {
	be := binary.BigEndian
	m := byte(101)
	if marker {
		m |= 0x80
	}
	p := []byte{0x80, m}
	p = be.AppendUint16(p, seq)
	p = be.AppendUint32(p, ts)
	p = be.AppendUint32(p, 0x746f6e65) // SSRC "tone"
	flags := byte(10)                  // volume -10 dBm0
	if end {
		flags |= 0x80
	}
	p = append(p, ev, flags)
	return be.AppendUint16(p, dur)
}

// appendPacket wraps an RTP payload in Ethernet, IPv4 and UDP headers (the
// addresses are SIPp's to rewrite) and a pcap record stamped at.
func appendPacket(b []byte, at time.Duration, rtp []byte) []byte {
	be, le := binary.BigEndian, binary.LittleEndian
	udpLen := 8 + len(rtp)
	ipLen := 20 + udpLen
	frame := make([]byte, 0, 14+ipLen)
	frame = append(frame, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00)
	ip := []byte{0x45, 0}
	ip = be.AppendUint16(ip, uint16(ipLen))
	ip = append(ip, 0, 0, 0x40, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1)
	var sum uint32
	for i := 0; i < len(ip); i += 2 {
		sum += uint32(be.Uint16(ip[i:]))
	}
	sum = sum>>16 + sum&0xffff
	be.PutUint16(ip[10:], ^uint16(sum+sum>>16))
	frame = append(frame, ip...)
	frame = be.AppendUint16(frame, 6000)
	frame = be.AppendUint16(frame, 6000)
	frame = be.AppendUint16(frame, uint16(udpLen))
	frame = be.AppendUint16(frame, 0) // no UDP checksum
	frame = append(frame, rtp...)
	b = le.AppendUint32(b, uint32(at/time.Second))
	b = le.AppendUint32(b, uint32(at%time.Second/time.Microsecond))
	b = le.AppendUint32(b, uint32(len(frame)))
	b = le.AppendUint32(b, uint32(len(frame)))
	return append(b, frame...)
}
