package observe

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
)

func TestOperationLabelsAreCapped(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	assert.Equal(t, AnonymousOperation, m.operationLabel(""))
	assert.Equal(t, OtherOperation, m.operationLabel(strings.Repeat("a", MaxOperationNameLength+1)))
	assert.Equal(t, strings.Repeat("a", MaxOperationNameLength), m.operationLabel(strings.Repeat("a", MaxOperationNameLength)))
	assert.Equal(t, OtherOperation, m.operationLabel("not a name"), "garbage from an unparsable request")
	assert.Equal(t, OtherOperation, m.operationLabel("caf\xe9"), "invalid UTF-8 would make Prometheus panic")

	// Concurrent first sightings never admit more than the cap.
	var wg sync.WaitGroup
	for i := range 2 * MaxOperationNames {
		wg.Go(func() { m.operationLabel(fmt.Sprintf("Op%d", i)) })
	}
	wg.Wait()
	admitted := 0
	for i := range 2 * MaxOperationNames {
		if m.operationLabel(fmt.Sprintf("Op%d", i)) != OtherOperation {
			admitted++
		}
	}
	// One slot went to the 64-character name above.
	assert.Equal(t, MaxOperationNames-1, admitted)
	assert.Equal(t, OtherOperation, m.operationLabel("NeverSeenBefore"))
	assert.Equal(t, AnonymousOperation, m.operationLabel(""))
}

func TestOutcome(t *testing.T) {
	assert.Equal(t, OutcomeOK, outcome(nil))
	assert.Equal(t, OutcomeError, outcome(errPanicked))
}
