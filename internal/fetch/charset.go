package fetch

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// xmlEncoding finds the encoding pseudo-attribute of an XML prolog, which
// the HTML prescan does not look at.
var xmlEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// ToUTF8 converts body to UTF-8 and returns it with the name of the
// encoding it was read as. contentType is the HTTP Content-Type header
// (may be empty).
//
// Order: a BOM wins; then a body that is already valid UTF-8 with non-ASCII
// bytes is taken as UTF-8 whatever the declarations say (servers often
// send a default charset=ISO-8859-1 for UTF-8 pages, and valid UTF-8 is
// practically never an accident in a legacy encoding); then the HTTP
// header, the XML prolog and <meta charset>; and when nothing is declared,
// windows-1256, the most common legacy encoding of Arabic sites.
func ToUTF8(body []byte, contentType string) ([]byte, string, error) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return body[3:], "utf-8", nil
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return decodeWith(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16", body)
	}
	if utf8.Valid(body) {
		return body, "utf-8", nil
	}
	head := body
	if len(head) > 2048 {
		head = head[:2048]
	}
	var names []string
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		names = append(names, params["charset"])
	}
	if m := xmlEncoding.FindSubmatch(head); m != nil {
		names = append(names, string(m[1]))
	}
	if _, name, _ := charset.DetermineEncoding(head, ""); name != "" && name != "windows-1252" {
		names = append(names, name)
	} else if name == "windows-1252" && declaresCharset(head) {
		names = append(names, name)
	}
	for _, n := range names {
		e, canon := charset.Lookup(n)
		if e == nil || canon == "utf-8" {
			continue // unknown, or a utf-8 declaration the bytes contradict
		}
		return decodeWith(e, canon, body)
	}
	return decodeWith(charmap.Windows1256, "windows-1256", body)
}

// declaresCharset reports whether the page head names a charset at all, so
// that the prescan's windows-1252 fallback is not mistaken for a declaration.
func declaresCharset(head []byte) bool {
	return bytes.Contains(bytes.ToLower(head), []byte("charset"))
}

func decodeWith(e encoding.Encoding, name string, body []byte) ([]byte, string, error) {
	out, _, err := transform.Bytes(e.NewDecoder(), body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return out, strings.ToLower(name), nil
}
