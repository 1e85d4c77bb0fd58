package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"

	"github.com/valyala/fasthttp"
)

// favicon draws the tab icon, a white "t" on the pages' blue, as an ICO
// file holding one 32×32 PNG, which every browser reads at /favicon.ico.
func favicon() []byte {
	const n = 32
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	blue := color.NRGBA{R: 0x1f, G: 0x4e, B: 0x99, A: 0xff}
	white := color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	for y := range n {
		for x := range n {
			// A square with its corners cut: a rounded tile at this size.
			if corner(x, y, n) {
				continue
			}
			c := blue
			if (x >= 13 && x < 19 && y >= 5 && y < 25) || (y >= 10 && y < 15 && x >= 8 && x < 24) ||
				(y >= 21 && y < 26 && x >= 13 && x < 24) {
				c = white
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, img) // writing to memory cannot fail
	var out bytes.Buffer
	// ICONDIR, then one ICONDIRENTRY pointing just past itself.
	_ = binary.Write(&out, binary.LittleEndian, struct {
		Reserved, Type, Count uint16
		W, H, Colors, Res     uint8
		Planes, BPP           uint16
		Size, Offset          uint32
	}{0, 1, 1, n, n, 0, 0, 1, 32, uint32(pngBuf.Len()), 22})
	out.Write(pngBuf.Bytes())
	return out.Bytes()
}

func corner(x, y, n int) bool {
	dx, dy := min(x, n-1-x), min(y, n-1-y)
	return dx+dy < 3
}

// Favicon serves GET /favicon.ico, which browsers ask for on every site.
func (s *Server) Favicon(ctx *fasthttp.RequestCtx) {
	ctx.SetContentType("image/x-icon")
	ctx.Response.Header.Set("Cache-Control", "public, max-age=86400")
	ctx.SetBody(s.icon)
}
