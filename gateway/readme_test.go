package gateway_test

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readmeExample is one GraphQL block of README.md, with the JSON block of variables that
// follows it directly, if any.
type readmeExample struct {
	line      int
	document  string
	variables map[string]any
}

// readmeExamples extracts the ```graphql blocks of a Markdown file, each with the ```json
// block that follows it with nothing but blank lines in between (its variables).
func readmeExamples(t *testing.T, path string) []readmeExample {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var (
		out      []readmeExample
		lang     string // the open block's language; "" outside a block
		start    int
		body     strings.Builder
		afterGQL bool // only blank lines since the end of a graphql block
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case lang == "" && strings.HasPrefix(trimmed, "```"):
			lang, start = strings.TrimPrefix(trimmed, "```"), n
			if lang == "" {
				lang = "text"
			}
			body.Reset()
		case lang != "" && trimmed == "```":
			switch {
			case lang == "graphql":
				out = append(out, readmeExample{line: start, document: body.String()})
			case lang == "json" && afterGQL:
				ex := &out[len(out)-1]
				require.NoError(t, json.Unmarshal([]byte(body.String()), &ex.variables),
					"README.md:%d: the variables of the example at line %d are not a JSON object", start, ex.line)
			}
			afterGQL = lang == "graphql"
			lang = ""
		case lang != "":
			body.WriteString(line + "\n")
		case trimmed != "":
			afterGQL = false
		}
	}
	require.NoError(t, sc.Err())
	require.Empty(t, lang, "README.md: a code block opened at line %d is never closed", start)
	return out
}

// TestREADMEExamples runs every GraphQL example of README.md as written, in order, with the
// variables shown beside it, against a freshly seeded server on each backend. An example
// fails on any GraphQL error, any userError, and any root field that answers null (an id
// that names nothing): the README cannot drift from what the server does.
func TestREADMEExamples(t *testing.T) {
	examples := readmeExamples(t, "../README.md")
	require.GreaterOrEqual(t, len(examples), 7, "README.md lost its examples")
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		for _, ex := range examples {
			res := e.query(ex.document, ex.variables)
			require.Empty(t, res.Errors, "README.md:%d fails:\n%s", ex.line, ex.document)
			require.NotEmpty(t, res.Data, "README.md:%d answers no data", ex.line)
			for field, v := range res.Data {
				require.NotNil(t, v, "README.md:%d: %s is null (does an id name nothing?)", ex.line, field)
				if payload, ok := v.(map[string]any); ok {
					if problems, ok := payload["userErrors"].([]any); ok {
						require.Empty(t, problems, "README.md:%d: %s answers userErrors", ex.line, field)
					}
				}
			}
		}
	})
}
