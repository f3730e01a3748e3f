package config

// A Config is turned back into plain data in three places: the defaults
// layer that koanf merges the file and the environment onto, the instance
// Validate checks against the schema, and the effective configuration
// written to golden files. All three need the same shape as a config file
// (keys from json tags, durations as "30s"), so one function makes it.

import (
	"reflect"
	"strings"
	"time"
)

// toMap turns a Config (or part of one) into the data a config file would
// hold: maps keyed by json tags, lists, and scalars, with durations written
// as in a file. Nil pointers, maps and slices are left out so that they do
// not shadow anything when merged.
func toMap(v reflect.Value) any {
	if v.Type() == reflect.TypeFor[time.Duration]() {
		return formatDuration(time.Duration(v.Int()))
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for _, f := range reflect.VisibleFields(v.Type()) {
			key := jsonKey(f)
			if key == "" {
				continue
			}
			if e := toMap(v.FieldByIndex(f.Index)); e != nil {
				m[key] = e
			}
		}
		return m
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		m := map[string]any{}
		for it := v.MapRange(); it.Next(); {
			m[it.Key().String()] = toMap(it.Value())
		}
		return m
	case reflect.Slice:
		if v.IsNil() {
			return nil
		}
		l := make([]any, v.Len())
		for i := range l {
			l[i] = toMap(v.Index(i))
		}
		return l
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return toMap(v.Elem())
	}
	return v.Interface()
}

// formatDuration writes d as an operator would: 1m rather than Go's 1m0s.
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
