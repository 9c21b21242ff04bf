package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestAdmitQueuesBeyondTheLimitAndGivesUpAtTheDeadline(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 2)
	h := admit(1)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	go h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
	<-entered

	// A second request finds no slot; at its deadline it is answered, never run.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("want 503 with Retry-After, got %d %v", rec.Code, rec.Header())
	}
	select {
	case <-entered:
		t.Fatal("the refused request must not run")
	default:
	}

	// Once the slot is free, the next request runs.
	close(release)
	done := make(chan struct{})
	go func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a request after the slot was freed did not run")
	}
}
