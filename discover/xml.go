package discover

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits of the XML reader. A real config file has a few dozen elements,
// four levels deep and short texts; these leave room for the largest ISPDB
// entries and stop a hostile file long before it costs anything. The
// number of bytes is bounded before, by the fetch (Options.MaxBytes).
const (
	maxDepth    = 16
	maxElements = 2000
	maxAttrs    = 16
	maxTextLen  = 4096 // characters of text in one element
)

// ErrBadXML is wrapped by every refusal of the XML reader.
var ErrBadXML = errors.New("bad autoconfig XML")

// node is one element: its local name, attributes (local names), the text
// directly inside it (trimmed) and its child elements.
type node struct {
	name  string
	attrs map[string]string
	text  string
	kids  []*node
}

// child is the first child element called name, or nil.
func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// childText is the text of the first child called name ("" if none).
func (n *node) childText(name string) string {
	if c := n.child(name); c != nil {
		return c.text
	}
	return ""
}

// all are the child elements called name, in order.
func (n *node) all(name string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// parseXML reads one document into a tree within the limits above. Only
// the predefined entities exist (encoding/xml expands no others), so an
// entity bomb is an error, not a blow-up. Encodings other than UTF-8 (and
// its ASCII subset) are refused, as the draft only allows UTF-8.
func parseXML(b []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
			return r, nil
		}
		return nil, fmt.Errorf("encoding %q (only UTF-8)", label)
	}
	var root *node
	var stack []*node
	var texts [][]byte
	elements := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			switch {
			case elements > maxElements:
				return nil, fmt.Errorf("%w: more than %d elements", ErrBadXML, maxElements)
			case len(stack) >= maxDepth:
				return nil, fmt.Errorf("%w: nested deeper than %d", ErrBadXML, maxDepth)
			case len(t.Attr) > maxAttrs:
				return nil, fmt.Errorf("%w: <%s> has more than %d attributes", ErrBadXML, t.Name.Local, maxAttrs)
			case root != nil && len(stack) == 0:
				return nil, fmt.Errorf("%w: a second root element <%s>", ErrBadXML, t.Name.Local)
			}
			n := &node{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				if len(a.Value) > maxTextLen {
					return nil, fmt.Errorf("%w: attribute %s longer than %d", ErrBadXML, a.Name.Local, maxTextLen)
				}
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
			texts = append(texts, nil)
		case xml.EndElement:
			n := stack[len(stack)-1]
			n.text = strings.TrimSpace(string(texts[len(texts)-1]))
			stack, texts = stack[:len(stack)-1], texts[:len(texts)-1]
		case xml.CharData:
			if len(texts) == 0 {
				continue // whitespace around the root
			}
			tb := &texts[len(texts)-1]
			if len(*tb)+len(t) > maxTextLen {
				return nil, fmt.Errorf("%w: text in <%s> longer than %d", ErrBadXML, stack[len(stack)-1].name, maxTextLen)
			}
			*tb = append(*tb, t...)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no element at all", ErrBadXML)
	}
	return root, nil
}
