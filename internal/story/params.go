package story

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Set changes one parameter by its field name ("Threshold=0.3",
// "HalfLife=48h"), for evaluations that compare settings without a
// rebuild of the binary.
func (p *Params) Set(assign string) error {
	name, val, ok := strings.Cut(assign, "=")
	if !ok {
		return fmt.Errorf("story params: %q is not name=value", assign)
	}
	f := reflect.ValueOf(p).Elem().FieldByName(strings.TrimSpace(name))
	if !f.IsValid() {
		return fmt.Errorf("story params: no parameter %q", name)
	}
	val = strings.TrimSpace(val)
	switch {
	case f.Type() == reflect.TypeFor[time.Duration]():
		d, err := time.ParseDuration(val)
		if err != nil {
			return fmt.Errorf("story params: %s: %w", name, err)
		}
		f.SetInt(int64(d))
	case f.Kind() == reflect.Float64:
		x, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("story params: %s: %w", name, err)
		}
		f.SetFloat(x)
	case f.Kind() == reflect.Int:
		x, err := strconv.Atoi(val)
		if err != nil {
			return fmt.Errorf("story params: %s: %w", name, err)
		}
		f.SetInt(int64(x))
	case f.Kind() == reflect.Bool:
		x, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("story params: %s: %w", name, err)
		}
		f.SetBool(x)
	default:
		return fmt.Errorf("story params: %s cannot be set", name)
	}
	return nil
}
