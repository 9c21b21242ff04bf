package gateway_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkRefuseValidationBomb measures the refusal of the worst documents of issue 9: a
// body of 1 MiB of repeated fields, and the 14,000-field document that gqlparser's
// validator used to take 28 s over. Both must be refused in well under 20 ms.
func BenchmarkRefuseValidationBomb(b *testing.B) {
	e := newEnv(b, false)
	for _, bc := range []struct {
		name  string
		times int
	}{{"14k-fields", 14000}, {"1MiB", 349000}} {
		body, err := json.Marshal(map[string]string{"query": "{ viewer { " + strings.Repeat("id ", bc.times) + "} }"})
		if err != nil {
			b.Fatal(err)
		}
		doc := string(body)
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				resp := e.post("application/json", doc)
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity {
					b.Fatalf("status %d", resp.StatusCode)
				}
				r := decode(b, resp)
				if len(r.Errors) != 1 || r.Errors[0].code() != "COMPLEXITY_LIMIT_EXCEEDED" {
					b.Fatalf("not refused: %+v", r.Errors)
				}
			}
		})
	}
}
