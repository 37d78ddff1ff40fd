package bench

import "testing"

func TestParseTarget(t *testing.T) {
	tg, err := ParseTarget("upstream=/usr/local/bin/caddy.upstream file-server --domain localhost")
	if err != nil || tg.Name != "upstream" || len(tg.Command) != 4 || tg.Command[3] != "localhost" {
		t.Fatalf("%+v %v", tg, err)
	}
	for _, bad := range []string{"nocommand", "=cmd", "x="} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
