// Package config is marsad's one flag-and-environment layer: every setting
// has a flag and an environment variable (MARSAD_…), the flag winning when
// both are given, and defaults documented in one place. Values from the
// environment are resolved after the flags are parsed, never shown as a
// flag's default, so `--help` never prints a secret: a database URL's
// password is only ever shown redacted.
package config

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Defaults.
const (
	DefaultDBPath = "./marsad.db"
	DefaultAddr   = "127.0.0.1:8080"
)

// Config is what the commands share.
type Config struct {
	// DBPath is the SQLite store file (--db, MARSAD_DB).
	DBPath string
	// DatabaseURL selects an external database instead of the SQLite file
	// (--database-url, MARSAD_DATABASE_URL), e.g. postgres://host/db.
	DatabaseURL string

	binds []bind
}

// bind ties a flag to its environment variable.
type bind struct {
	flag, env string
	set       func(string) error
}

// Register adds the shared (persistent) flags to fs.
func (c *Config) Register(fs *pflag.FlagSet) {
	c.String(fs, &c.DBPath, "db", "MARSAD_DB", DefaultDBPath, "SQLite store file")
	c.String(fs, &c.DatabaseURL, "database-url", "MARSAD_DATABASE_URL", "", "database URL (postgres://…) instead of the SQLite file")
}

// String registers a string flag read from env when the flag is not given.
// A default that comes from the environment is never printed by --help.
func (c *Config) String(fs *pflag.FlagSet, dst *string, name, env, def, usage string) {
	fs.StringVar(dst, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	c.binds = append(c.binds, bind{flag: name, env: env, set: func(v string) error { *dst = v; return nil }})
}

// Bool registers a boolean flag read from env ("1", "true" …) when the
// flag is not given.
func (c *Config) Bool(fs *pflag.FlagSet, dst *bool, name, env string, def bool, usage string) {
	fs.BoolVar(dst, name, def, fmt.Sprintf("%s (env %s=1)", usage, env))
	c.binds = append(c.binds, bind{flag: name, env: env, set: func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: want 1 or 0", env, v)
		}
		*dst = b
		return nil
	}})
}

// Int registers an integer flag read from env when the flag is not given.
func (c *Config) Int(fs *pflag.FlagSet, dst *int, name, env string, def int, usage string) {
	fs.IntVar(dst, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	c.binds = append(c.binds, bind{flag: name, env: env, set: func(v string) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: want a whole number", env, v)
		}
		*dst = n
		return nil
	}})
}

// Duration registers a duration flag ("90s", "2m") read from env when the
// flag is not given.
func (c *Config) Duration(fs *pflag.FlagSet, dst *time.Duration, name, env string, def time.Duration, usage string) {
	fs.DurationVar(dst, name, def, fmt.Sprintf("%s (env %s)", usage, env))
	c.binds = append(c.binds, bind{flag: name, env: env, set: func(v string) error {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s=%q: want a duration such as 90s or 2m", env, v)
		}
		*dst = d
		return nil
	}})
}

// Resolve applies the environment to every flag of fs registered through c
// that the command line did not set. Call it after parsing (a
// PersistentPreRunE).
func (c *Config) Resolve(fs *pflag.FlagSet) error {
	for _, b := range c.binds {
		f := fs.Lookup(b.flag)
		if f == nil || f.Changed {
			continue
		}
		if v, ok := os.LookupEnv(b.env); ok && v != "" {
			if err := b.set(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Store names the store for messages and logs, with any password redacted.
func (c *Config) Store() string {
	if c.DatabaseURL != "" {
		return Redact(c.DatabaseURL)
	}
	return c.DBPath
}

// Redact returns a URL with its password replaced by "xxxxx"; text that is
// not a URL with a password is returned unchanged.
func Redact(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			raw = u.String()
		}
	}
	// key=value forms: a query parameter or a libpq connection string.
	for start := 0; ; {
		i := strings.Index(raw[start:], "password=")
		if i < 0 {
			return raw
		}
		i += start + len("password=")
		end := strings.IndexAny(raw[i:], "& ")
		if end < 0 {
			end = len(raw) - i
		}
		raw = raw[:i] + "xxxxx" + raw[i+end:]
		start = i + len("xxxxx")
	}
}
