package sourcekit

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
)

// Float is a value in a backend's JSON answer, read without losing what
// the judge must see: a number beyond float64's range (1e999) is ±Inf, as
// are the strings "+Inf", "-Inf", "Infinity"; null and "NaN" are NaN (a
// missing point); a number in a string ("1.5") is that number.
type Float float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*f = Float(math.NaN())
		return nil
	}
	if len(s) >= 2 && s[0] == '"' {
		uq, err := strconv.Unquote(s)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(uq)
		switch strings.ToLower(s) {
		case "nan":
			*f = Float(math.NaN())
			return nil
		case "+inf", "inf", "infinity", "+infinity":
			*f = Float(math.Inf(1))
			return nil
		case "-inf", "-infinity":
			*f = Float(math.Inf(-1))
			return nil
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
		err = nil // ±Inf beyond the range, or 0 below it
	}
	if err != nil {
		return errors.New("not a number: " + Truncate(s, 64))
	}
	*f = Float(x)
	return nil
}
