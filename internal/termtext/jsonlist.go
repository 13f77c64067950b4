package termtext

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// WriteJSONArray writes items as WriteJSON would write the slice, byte for
// byte, one item at a time. `list --json` or `audit --json` of 10,000
// accounts is megabytes, and WriteJSON builds the whole document three
// times over (encode, indent, escape); a fresh process pays for every new
// page of memory it touches (~12 µs each on the VMs we measure on), so
// streaming keeps output cheap whatever its size.
func WriteJSONArray[T any](w io.Writer, items []T) error {
	if items == nil {
		return WriteJSON(w, items) // null
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := writeItems(bw, items, ""); err != nil {
		return err
	}
	bw.WriteByte('\n')
	return bw.Flush()
}

// WriteJSONList writes {"key": items} as WriteJSON would write a struct
// with that one field, streaming the items like WriteJSONArray. A nil
// slice is written as null, as encoding/json does.
func WriteJSONList[T any](w io.Writer, key string, items []T) error {
	name, err := json.Marshal(key)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("{\n  ")
	bw.Write(EscapeJSON(name))
	bw.WriteString(": ")
	if items == nil {
		bw.WriteString("null")
	} else if err := writeItems(bw, items, "  "); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// writeItems writes "[", the items indented one level below prefix, and
// "]" (an empty slice: "[]", as json.Indent leaves it).
func writeItems[T any](bw *bufio.Writer, items []T, prefix string) error {
	if len(items) == 0 {
		_, err := bw.WriteString("[]")
		return err
	}
	var compact, indented bytes.Buffer
	enc := json.NewEncoder(&compact)
	enc.SetEscapeHTML(false)
	inner := prefix + "  "
	bw.WriteString("[")
	for i := range items {
		compact.Reset()
		indented.Reset()
		if err := enc.Encode(items[i]); err != nil {
			return err
		}
		if err := json.Indent(&indented, bytes.TrimSuffix(compact.Bytes(), []byte("\n")), inner, "  "); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n" + inner)
		bw.Write(EscapeJSON(indented.Bytes()))
	}
	bw.WriteString("\n" + prefix + "]")
	return nil
}
