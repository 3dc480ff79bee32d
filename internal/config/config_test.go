package config

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestFlagWinsOverEnvironmentAndEnvironmentOverDefault(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"default", nil, "", DefaultDBPath},
		{"environment", nil, "/tmp/env.db", "/tmp/env.db"},
		{"flag", []string{"--db", "/tmp/flag.db"}, "/tmp/env.db", "/tmp/flag.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("MARSAD_DB", tt.env)
			var c Config
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			c.Register(fs)
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if err := c.Resolve(fs); err != nil {
				t.Fatal(err)
			}
			if c.DBPath != tt.want {
				t.Errorf("DBPath = %q, want %q", c.DBPath, tt.want)
			}
		})
	}
}

func TestHelpNeverShowsTheDatabasePassword(t *testing.T) {
	t.Setenv("MARSAD_DATABASE_URL", "postgres://marsad:s3cret@db.example/marsad?sslmode=disable")
	var c Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	c.Register(fs)
	var help bytes.Buffer
	fs.SetOutput(&help)
	fs.PrintDefaults()
	if err := c.Resolve(fs); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(help.String(), "s3cret") {
		t.Errorf("help shows the password:\n%s", help.String())
	}
	if got := c.Store(); strings.Contains(got, "s3cret") || !strings.Contains(got, "marsad:xxxxx@db.example") {
		t.Errorf("Store() = %q, want the URL with its password redacted", got)
	}
}

func TestBoolFromEnvironment(t *testing.T) {
	for _, tt := range []struct {
		env     string
		want    bool
		wantErr bool
	}{{"1", true, false}, {"0", false, false}, {"true", true, false}, {"yes please", false, true}} {
		t.Setenv("MARSAD_NO_POLL", tt.env)
		var c Config
		var noPoll bool
		fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
		c.Bool(fs, &noPoll, "no-poll", "MARSAD_NO_POLL", false, "serve only")
		_ = fs.Parse(nil)
		err := c.Resolve(fs)
		if (err != nil) != tt.wantErr || (!tt.wantErr && noPoll != tt.want) {
			t.Errorf("MARSAD_NO_POLL=%q: noPoll=%v err=%v, want %v (error %v)", tt.env, noPoll, err, tt.want, tt.wantErr)
		}
	}
}

func TestIntAndDurationFromEnvironment(t *testing.T) {
	for _, tt := range []struct {
		name, env, value string
		args             []string
		wantInt          int
		wantDur          time.Duration
		wantErr          bool
	}{
		{"defaults", "", "", nil, 32, time.Minute, false},
		{"int from env", "MARSAD_POLL_WORKERS", "8", nil, 8, time.Minute, false},
		{"duration from env", "MARSAD_CATCH_UP_EVERY", "5s", nil, 32, 5 * time.Second, false},
		{"flag wins", "MARSAD_POLL_WORKERS", "8", []string{"--poll-workers", "4"}, 4, time.Minute, false},
		{"bad int", "MARSAD_POLL_WORKERS", "many", nil, 0, 0, true},
		{"bad duration", "MARSAD_CATCH_UP_EVERY", "5", nil, 0, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.env != "" {
				t.Setenv(tt.env, tt.value)
			}
			var c Config
			var n int
			var d time.Duration
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			c.Int(fs, &n, "poll-workers", "MARSAD_POLL_WORKERS", 32, "feeds polled at once")
			c.Duration(fs, &d, "catch-up-every", "MARSAD_CATCH_UP_EVERY", time.Minute, "how often")
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			err := c.Resolve(fs)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want an error: %v", err, tt.wantErr)
			}
			if err == nil && (n != tt.wantInt || d != tt.wantDur) {
				t.Errorf("got %d and %s, want %d and %s", n, d, tt.wantInt, tt.wantDur)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@h/db":               "postgres://u:xxxxx@h/db",
		"postgres://u@h/db":                 "postgres://u@h/db",
		"host=h user=u password=p dbname=d": "host=h user=u password=xxxxx dbname=d",
		"postgres://h/db?user=u&password=p": "postgres://h/db?user=u&password=xxxxx",
		"./marsad.db":                       "./marsad.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
