package config

import (
	"bytes"
	"strings"
	"testing"

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
