package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// defaultConfigFile is read from the working directory when no explicit
// file is given; its absence is not an error.
const defaultConfigFile = "config.yaml"

// LoadOptions controls where Load looks for configuration.
type LoadOptions struct {
	// ConfigFile is an explicit config file path. It must exist. When empty,
	// ./config.yaml is used if present.
	ConfigFile string
	// Flags, if non-nil, is searched for flags named after keys (for
	// example "http.addr"); those the user set override everything else.
	Flags *pflag.FlagSet
	// Getenv looks up environment variables; nil means os.Getenv. An empty
	// result is treated as "not set".
	Getenv func(string) string
	// DatabaseOnly validates only the database, environment and log
	// settings (see Config.ValidateDatabase): for commands that touch
	// nothing but the database schema.
	DatabaseOnly bool
}

// Load resolves the configuration from defaults, config file, environment
// and flags (in increasing precedence), then validates it. The returned
// warnings are meant to be logged by the caller; they never contain secrets.
func Load(opts LoadOptions) (*Config, []string, error) {
	v := viper.New() // never the global instance: Load must be repeatable
	for _, s := range defaults {
		v.SetDefault(s.key, s.value)
	}
	if err := readConfigFile(v, opts.ConfigFile); err != nil {
		return nil, nil, err
	}
	if err := mergeEnv(v, opts.getenv()); err != nil {
		return nil, nil, err
	}
	if err := bindFlags(v, opts.Flags); err != nil {
		return nil, nil, err
	}

	cfg, warnings, err := decode(v)
	if err != nil {
		return nil, nil, err
	}
	validate := cfg.Validate
	if opts.DatabaseOnly {
		validate = cfg.ValidateDatabase
	}
	more, err := validate()
	warnings = append(warnings, more...)
	if err != nil {
		return nil, warnings, err
	}
	return cfg, warnings, nil
}

func (o LoadOptions) getenv() func(string) string {
	if o.Getenv == nil {
		return os.Getenv
	}
	return o.Getenv
}

// readConfigFile loads the explicit file, or the default one if it exists.
// An explicit file that cannot be read is an error because the operator
// clearly expected it to take effect.
func readConfigFile(v *viper.Viper, path string) error {
	explicit := path != ""
	if !explicit {
		path = defaultConfigFile
	}
	v.SetConfigFile(path)
	err := v.ReadInConfig()
	if err == nil || (!explicit && errors.Is(err, fs.ErrNotExist)) {
		return nil
	}
	return fmt.Errorf("config: reading %s: %w", path, err)
}

// mergeEnv overlays environment variables on top of the config file.
//
// Viper's own AutomaticEnv always reads the process environment, which would
// make LoadOptions.Getenv impossible. Merging the values into the config
// layer instead gives the same precedence (above file, below flags) while
// honouring the injected lookup function.
func mergeEnv(v *viper.Viper, getenv func(string) string) error {
	overlay := map[string]any{}
	for _, s := range defaults {
		if val := getenv(EnvVar(s.key)); val != "" {
			setNested(overlay, strings.Split(s.key, "."), val)
		}
	}
	if len(overlay) == 0 {
		return nil
	}
	if err := v.MergeConfigMap(overlay); err != nil {
		return fmt.Errorf("config: applying environment: %w", err)
	}
	return nil
}

// setNested stores val at path inside m, creating intermediate maps, because
// viper's config layer is a nested map rather than a flat key space.
func setNested(m map[string]any, path []string, val any) {
	for _, p := range path[:len(path)-1] {
		child, ok := m[p].(map[string]any)
		if !ok {
			child = map[string]any{}
			m[p] = child
		}
		m = child
	}
	m[path[len(path)-1]] = val
}

// bindFlags binds every flag whose name is a config key. Viper only lets a
// flag win when the user actually set it (Changed), so flag defaults never
// mask the lower layers.
func bindFlags(v *viper.Viper, flags *pflag.FlagSet) error {
	if flags == nil {
		return nil
	}
	for _, s := range defaults {
		f := flags.Lookup(s.key)
		if f == nil {
			continue
		}
		if err := v.BindPFlag(s.key, f); err != nil {
			return fmt.Errorf("config: binding flag --%s: %w", s.key, err)
		}
	}
	return nil
}

// decode unmarshals the merged settings and turns keys that match no field
// (typically typos in config.yaml) into warnings rather than silently
// ignoring them.
func decode(v *viper.Viper) (*Config, []string, error) {
	var (
		cfg Config
		md  mapstructure.Metadata
	)
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) { dc.Metadata = &md })
	if err != nil {
		return nil, nil, fmt.Errorf("config: decoding: %w", err)
	}
	cfg.HTTP.CORSAllowedOrigins = cleanList(cfg.HTTP.CORSAllowedOrigins)
	cfg.Audit.VerifyKeys = cleanList(cfg.Audit.VerifyKeys)
	cfg.Guard.ExtraPatterns = cleanList(cfg.Guard.ExtraPatterns)

	slices.Sort(md.Unused)
	var warnings []string
	for _, key := range md.Unused {
		warnings = append(warnings, fmt.Sprintf("config: unknown key %q ignored", key))
	}
	return &cfg, warnings, nil
}

// cleanList trims entries and drops empty ones, so "a, b," from an
// environment variable means the same as a YAML list [a, b].
func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
