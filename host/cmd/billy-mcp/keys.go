package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/billy-mcp/billy-mcp/host/internal/app"
	"github.com/billy-mcp/billy-mcp/host/internal/config"
	"github.com/billy-mcp/billy-mcp/host/internal/credentials"
	"github.com/billy-mcp/billy-mcp/host/internal/keyring"
	"github.com/billy-mcp/billy-mcp/host/internal/store"
)

const keysUsage = `usage:
  billy-mcp keys new [--id N]                  print a new key (id:base64) for credentials.keys
  billy-mcp keys status [--config FILE]        the key ring, and how many values each key encrypts
  billy-mcp keys rotate [--config FILE]        add a key at the top of credentials.keys_file and
                                               re-encrypt every value under it, with progress
  billy-mcp keys rotate --primary N [--config FILE]
                                               re-encrypt under key N, already in the ring (keys
                                               given in the environment)
`

// keysCmd manages the key ring of the secrets at rest.
func keysCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	fs := flag.NewFlagSet("keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file")
	id := fs.Uint("id", 1, "the new key's ID (keys new)")
	primary := fs.Uint("primary", 0, "re-encrypt under this key, already configured (keys rotate)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "billy-mcp keys %s: unexpected argument %q\n", args[0], fs.Arg(0))
		return 2
	}
	switch args[0] {
	case "new":
		if *id == 0 || *id > 1<<32-1 {
			fmt.Fprintln(stderr, "billy-mcp keys new: --id is 1 to 4294967295")
			return 2
		}
		k, err := keyring.NewKey(uint32(*id))
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp keys new: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, k.Encode())
		return 0
	case "status", "rotate":
	default:
		fmt.Fprint(stderr, keysUsage)
		return 2
	}
	cfg, err := config.Load(config.Options{File: *path})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp: invalid configuration:\n%v\n", err)
		return 2
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: cfg.Database.URL, Dir: cfg.DataDir})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp keys: opening the store: %v\n", err)
		return 1
	}
	defer s.Close()
	if args[0] == "status" {
		return keysStatus(ctx, cfg, s, stdout, stderr)
	}
	return keysRotate(ctx, cfg, s, uint32(*primary), stdout, stderr)
}

func keysStatus(ctx context.Context, cfg *config.Config, s *store.Store, stdout, stderr io.Writer) int {
	ring, err := app.LoadRing(cfg.Credentials)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp keys status: %v\n", err)
		return 1
	}
	census, err := credentials.Census(ctx, s)
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp keys status: %v\n", err)
		return 1
	}
	if ring == nil {
		fmt.Fprintln(stdout, "no key configured")
	} else {
		fmt.Fprintf(stdout, "keys %v, primary %d\n", ring.IDs(), ring.Primary())
	}
	fmt.Fprintf(stdout, "encrypted values: %s\n", credentials.FormatCensus(census))
	if ring != nil {
		for _, id := range ring.IDs() {
			if id != ring.Primary() && census[id] == 0 {
				fmt.Fprintf(stdout, "key %d encrypts nothing: it can be retired\n", id)
			}
		}
	}
	return 0
}

// keysRotate adds a key (or takes the one --primary names) and re-encrypts
// every value in the store under it. Hosts running beside it keep working:
// they re-read the key file when they meet a value under a key they do
// not hold yet.
func keysRotate(ctx context.Context, cfg *config.Config, s *store.Store, primary uint32, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "billy-mcp keys rotate: %v\n", err)
		return 1
	}
	c := cfg.Credentials
	if primary != 0 {
		c.Primary = int64(primary)
	} else {
		if c.KeysFile == "" {
			return fail(errors.New("adding a key needs credentials.keys_file (the file the new key is written to); with keys in the environment, add the new key there on every host (billy-mcp keys new --id N), then run keys rotate --primary N"))
		}
		if c.Primary != 0 {
			return fail(fmt.Errorf("credentials.primary is set (%d): the file's new key would not be the primary; unset it, or use --primary", c.Primary))
		}
		existing := c
		if _, err := os.Stat(c.KeysFile); errors.Is(err, os.ErrNotExist) {
			existing.KeysFile = "" // the first key: the file is made
		}
		ring, err := app.LoadRing(existing)
		if err != nil {
			return fail(err)
		}
		next := uint32(1)
		if ring != nil {
			next = slices.Max(ring.IDs()) + 1
		}
		k, err := keyring.NewKey(next)
		if err != nil {
			return fail(err)
		}
		if err := prependKey(c.KeysFile, k); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stderr, "added key %d at the top of %s; hosts re-read the file when they meet a value under it\n", next, c.KeysFile)
	}
	ring, err := app.LoadRing(c)
	if err != nil {
		return fail(err)
	}
	if ring == nil {
		return fail(errors.New("no key is configured"))
	}
	fmt.Fprintf(stderr, "re-encrypting under key %d\n", ring.Primary())
	last := -1
	p, err := credentials.Rotate(ctx, s, ring, func(p credentials.Progress) {
		// Every value of a small store, every 5% of a large one.
		if step := max(1, p.Total/20); p.Done == p.Total || p.Done-last >= step {
			last = p.Done
			fmt.Fprintf(stderr, "  %d/%d values: %d re-encrypted, %d already under key %d, %d failed\n",
				p.Done, p.Total, p.Resealed, p.Current, ring.Primary(), p.Failed)
		}
	})
	census, cerr := credentials.Census(ctx, s)
	if cerr == nil {
		fmt.Fprintf(stdout, "encrypted values: %s\n", credentials.FormatCensus(census))
	}
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "rotated: %d re-encrypted, %d already under key %d; keys other than %d encrypt nothing now and can be removed once every host has been given key %d\n",
		p.Resealed, p.Current, ring.Primary(), ring.Primary(), ring.Primary())
	return 0
}

// prependKey writes k at the top of the key file (made if missing), mode
// 0600, atomically: a host reading the file sees the old or the new one.
func prependKey(path string, k keyring.Key) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".keys-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := fmt.Fprintf(tmp, "%s\n%s", k.Encode(), old); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

const organizationsUsage = `usage:
  billy-mcp organizations add ID [--name NAME] [--config FILE]   the Billy token is read from stdin
  billy-mcp organizations list [--config FILE]
  billy-mcp organizations remove ID [--config FILE]
`

// organizationsCmd keeps the organizations served from the store, each
// with its Billy token encrypted under the key ring.
func organizationsCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, organizationsUsage)
		return 2
	}
	verb, rest := args[0], args[1:]
	var id string
	if verb == "add" || verb == "remove" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprint(stderr, organizationsUsage)
			return 2
		}
		id, rest = rest[0], rest[1:]
	}
	fs := flag.NewFlagSet("organizations "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", "", "YAML config file")
	name := fs.String("name", "", "the organization's name, for people")
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	cfg, err := config.Load(config.Options{File: *path})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp: invalid configuration:\n%v\n", err)
		return 2
	}
	ctx := context.Background()
	s, err := store.Open(ctx, store.Options{URL: cfg.Database.URL, Dir: cfg.DataDir})
	if err != nil {
		fmt.Fprintf(stderr, "billy-mcp organizations: opening the store: %v\n", err)
		return 1
	}
	defer s.Close()
	switch verb {
	case "add":
		ring, err := app.LoadRing(cfg.Credentials)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp organizations add: %v\n", err)
			return 1
		}
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintf(stderr, "billy-mcp organizations add: reading the token from stdin: %v\n", err)
			return 1
		}
		if err := credentials.PutOrganization(ctx, s, ring, id, *name, strings.TrimSpace(line)); err != nil {
			fmt.Fprintf(stderr, "billy-mcp organizations add: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "organization %s stored, its Billy token encrypted under key %d\n", id, ring.Primary())
	case "list":
		orgs, err := s.ListOrganizations(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp organizations list: %v\n", err)
			return 1
		}
		for _, o := range orgs {
			fmt.Fprintf(stdout, "%s\t%s\tupdated %s\n", o.ID, o.Name, o.Updated.UTC().Format("2006-01-02 15:04"))
		}
	case "remove":
		ok, err := s.DeleteOrganization(ctx, id)
		if err != nil {
			fmt.Fprintf(stderr, "billy-mcp organizations remove: %v\n", err)
			return 1
		}
		if !ok {
			fmt.Fprintf(stderr, "billy-mcp organizations remove: there is no organization %q in the store\n", id)
			return 1
		}
		fmt.Fprintf(stdout, "organization %s removed (hosts stop using its token within 30 seconds)\n", id)
	default:
		fmt.Fprint(stderr, organizationsUsage)
		return 2
	}
	return 0
}
