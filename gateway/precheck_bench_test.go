package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkRefuseValidationBomb measures the refusal of the worst documents of issue 9: a
// body of 1 MiB of repeated fields (POST, and the same document in a GET's URL), and the
// 14,000-field document that gqlparser's validator used to take 28 s over. The 1 MiB
// refusal must cost well under 20 ms; cpu-ms/op is the process's CPU time per refusal
// (getrusage), which contention on a shared machine does not inflate as it does wall time.
func BenchmarkRefuseValidationBomb(b *testing.B) {
	e := newEnv(b, false)
	for _, bc := range []struct {
		name  string
		times int
		get   bool
		code  string
	}{
		{"14k-fields", 14000, false, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"1MiB", 349000, false, "COMPLEXITY_LIMIT_EXCEEDED"},
		// The largest GET that is read: just under MaxGETQueryBytes.
		{"32KiB-GET", 10800, true, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"1MiB-GET", 349000, true, "PAYLOAD_TOO_LARGE"},
	} {
		query := "{ viewer { " + strings.Repeat("id ", bc.times) + "} }"
		body, err := json.Marshal(map[string]string{"query": query})
		if err != nil {
			b.Fatal(err)
		}
		send := func() *http.Response { return e.post("application/json", string(body)) }
		if bc.get {
			// Built once: parsing the URL is the client's and net/http's work, not the handler's.
			req := httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {query}}.Encode(), nil)
			send = func() *http.Response { return e.do(req) }
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			cpu, n := processCPU(), 0
			for b.Loop() {
				n++
				resp := send()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusRequestURITooLong {
					b.Fatalf("status %d", resp.StatusCode)
				}
				r := decode(b, resp)
				if len(r.Errors) != 1 || r.Errors[0].code() != bc.code {
					b.Fatalf("not refused: %+v", r.Errors)
				}
			}
			b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/float64(n), "cpu-ms/op")
		})
	}
}
