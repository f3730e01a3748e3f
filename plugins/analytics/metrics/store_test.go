package metrics

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func storeContract(t *testing.T, s *Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 27, 21, 0, 0, 0, time.UTC)
	created, err := s.Put(ctx, "org1", Definition{Name: "vat_share", Expression: "revenue_vat / revenue_net", Description: "VAT per krone"}, t0)
	if err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	created, err = s.Put(ctx, "org1", Definition{Name: "vat_share", Expression: "revenue_vat / revenue_gross"}, t0.Add(time.Hour))
	if err != nil || created {
		t.Fatalf("replace: %v %v", created, err)
	}
	if _, err := s.Put(ctx, "org2", Definition{Name: "other", Expression: "1"}, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, "org1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Definition{{Name: "vat_share", Expression: "revenue_vat / revenue_gross", Created: t0, Updated: t0.Add(time.Hour)}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("list org1 (-want +got):\n%s", diff)
	}
	if _, ok, _ := s.Get(ctx, "org1", "other"); ok {
		t.Error("org1 sees org2's metric")
	}
	if ok, err := s.Delete(ctx, "org1", "vat_share"); !ok || err != nil {
		t.Errorf("delete: %v %v", ok, err)
	}
	if ok, _ := s.Delete(ctx, "org1", "vat_share"); ok {
		t.Error("deleted twice")
	}
	for i := range MaxPerOrganization {
		if _, err := s.Put(ctx, "org3", Definition{Name: fmt.Sprintf("m%d", i), Expression: "1"}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Put(ctx, "org3", Definition{Name: "one_more", Expression: "1"}, t0); !errors.Is(err, ErrLimit) {
		t.Errorf("metric %d: err %v, want ErrLimit", MaxPerOrganization+1, err)
	}
}

func TestStoreSQLite(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	storeContract(t, s)
	s.Close()
	// durable: a new process finds org2's metric
	s, err = OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, ok, err := s.Get(context.Background(), "org2", "other"); !ok || err != nil {
		t.Errorf("after reopening: %v %v", ok, err)
	}
}

func TestStorePostgres(t *testing.T) {
	url := os.Getenv("BILLY_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("BILLY_TEST_POSTGRES_URL is not set")
	}
	schema := fmt.Sprintf("analytics_metrics_test_%d", time.Now().UnixNano())
	s, err := OpenPostgres(context.Background(), url, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		s.db.Exec("DROP SCHEMA " + schema + " CASCADE")
		s.Close()
	}()
	storeContract(t, s)
}

func TestPostgresErrorHidesURL(t *testing.T) {
	url := "postgres://user:s3cret@127.0.0.1:1/db?connect_timeout=1"
	_, err := OpenPostgres(context.Background(), url, "analytics_metrics")
	if err == nil {
		t.Fatal("no error from a closed port")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error shows the password: %v", err)
	}
}
