package loaders

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Dispatching when the request is idle.
//
// A batch should leave the moment no field of the request can add a key to it any more,
// not after a timer. That moment is when every field that is still to run or running waits
// on a loader — graphql-java's "exhausted" dispatch strategy. gqlgen offers no hook where
// it starts a goroutine, so the tracker counts fields, not goroutines: when a field's
// resolver returns (Dispatcher.InterceptField), the fields its value will make gqlgen
// execute are counted as active before the resolver's own count is released, so the count
// never falls to zero while gqlgen still has a child to start. A field waiting on a loader
// is not active; it is active again the moment its batch has answered (in the batch
// function, before the library hands the results back), so that the results' earliest
// readers cannot dispatch the next level while the others have not yet woken up.
//
// What the count cannot see (an abstract type, whose fields depend on the concrete one)
// turns counting off for the rest of the request, and the idle window of Loader decides
// as before. A count that stays too high only delays a batch to that window; a count that
// fell too low would split batches, so everything uncertain errs upwards.

// tracker counts one request's active fields and dispatches the loaders when none is left.
type tracker struct {
	// counting is set when an operation starts and cleared when something cannot be
	// counted; loaders use the idle window while it is false.
	counting atomic.Bool
	// active is the number of fields that gqlgen will still start or is running, minus
	// those waiting on a loader. Every field changes it, so it is not under mu.
	active atomic.Int64

	mu sync.Mutex // guards waiting, done and the fields' pending
	// waiting lists the fields blocked on each key; done holds the keys already answered
	// (or primed), whose readers do not wait.
	waiting map[loadKey][]*fieldTask
	done    map[loadKey]struct{}
	flush   func()

	// oc is the operation being counted, set by start: fields find it here rather than at
	// the far end of their context chain.
	oc *graphql.OperationContext
	// counts caches, per selection and object type, the fields gqlgen executes for one
	// object (Dispatcher.fields): every element of a list asks the same question.
	countsMu sync.Mutex
	counts   map[countKey]int
}

// countKey is one selection set applied to one object type. A selection set is named by
// its elements' backing array and length, not by its field: a field of a fragment spread in
// two places may be merged with different sibling selections at each.
type countKey struct {
	selections *ast.Selection
	length     int
	typeName   string
}

// loadKey names one key of one of the request's loaders.
type loadKey struct {
	loader int
	key    any
}

// fieldTask is one field whose resolver may wait on loaders.
type fieldTask struct {
	tracker *tracker
	// pending is the number of keys it still waits for; 0 while it runs.
	pending int
}

type taskKey struct{}

func newTracker(flush func()) *tracker {
	return &tracker{waiting: map[loadKey][]*fieldTask{}, done: map[loadKey]struct{}{}, flush: flush}
}

// isCounting tells the loaders whether the count decides dispatch.
func (t *tracker) isCounting() bool { return t.counting.Load() }

// start arms the count with the root fields of operation oc.
func (t *tracker) start(oc *graphql.OperationContext, roots int) {
	t.oc = oc
	t.active.Store(int64(roots))
	t.counting.Store(true)
}

// stop turns counting off for the rest of the request and lets the loaders' windows decide;
// what is pending now is dispatched, since no window may be running for it.
func (t *tracker) stop() {
	if t.counting.Swap(false) {
		t.flush()
	}
}

// finished releases a field whose resolver returned, after counting the fields its value
// makes gqlgen execute.
func (t *tracker) finished(children int) {
	if t.active.Add(int64(children-1)) == 0 && t.counting.Load() {
		t.flush()
	}
}

// wait is called by a field's resolver before it blocks on keys of loader. A field not
// counted (task nil) or already waiting does not change the count.
func (t *tracker) wait(task *fieldTask, loader int, keys ...any) {
	if task == nil {
		return
	}
	t.mu.Lock()
	if !t.counting.Load() || task.pending > 0 {
		t.mu.Unlock()
		return
	}
	for _, k := range keys {
		lk := loadKey{loader, k}
		if _, ok := t.done[lk]; ok {
			continue
		}
		task.pending++
		t.waiting[lk] = append(t.waiting[lk], task)
	}
	idle := task.pending > 0 && t.active.Add(-1) == 0
	t.mu.Unlock()
	if idle {
		t.flush()
	}
}

// answered marks keys of loader as answered and counts the fields that waited for nothing
// else as active again.
func (t *tracker) answered(loader int, keys []any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		lk := loadKey{loader, k}
		t.done[lk] = struct{}{}
		for _, task := range t.waiting[lk] {
			if task.pending--; task.pending == 0 {
				t.active.Add(1)
			}
		}
		delete(t.waiting, lk)
	}
}

// forget drops what is known about loader's answered keys (its cache was cleared).
func (t *tracker) forget(loader int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for lk := range t.done {
		if lk.loader == loader {
			delete(t.done, lk)
		}
	}
}

// Dispatcher is the gqlgen extension that feeds the request's tracker: it counts the
// operation's root fields when it starts and, around every field, the fields that the
// field's value will make gqlgen run.
type Dispatcher struct {
	schema *ast.Schema
	// satisfies holds, per object type, the names that fragments on it may use — what
	// gqlgen's generated code passes to graphql.CollectFields for that type.
	satisfies map[string][]string
}

var (
	_ graphql.HandlerExtension     = (*Dispatcher)(nil)
	_ graphql.OperationInterceptor = (*Dispatcher)(nil)
	_ graphql.FieldInterceptor     = (*Dispatcher)(nil)
)

// NewDispatcher returns the extension for schema; install it with the server's Use.
func NewDispatcher(schema *ast.Schema) *Dispatcher {
	d := &Dispatcher{schema: schema, satisfies: map[string][]string{}}
	for name, def := range schema.Types {
		if def.Kind != ast.Object {
			continue
		}
		names := []string{name}
		for _, i := range schema.GetImplements(def) {
			names = append(names, i.Name)
		}
		d.satisfies[name] = names
	}
	return d
}

// ExtensionName implements graphql.HandlerExtension.
func (*Dispatcher) ExtensionName() string { return "IdleDispatch" }

// Validate implements graphql.HandlerExtension.
func (*Dispatcher) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation arms the request's tracker with the operation's root fields.
func (d *Dispatcher) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	l, _ := ctx.Value(ctxKey{}).(*Loaders)
	oc := graphql.GetOperationContext(ctx)
	if l == nil || oc == nil || oc.Operation == nil {
		return next(ctx)
	}
	var root *ast.Definition
	switch oc.Operation.Operation {
	case ast.Query:
		root = d.schema.Query
	case ast.Mutation:
		root = d.schema.Mutation
	}
	if root != nil && !d.abstractRoot(oc, root.Name) {
		l.tracker.start(oc, d.fields(oc, oc.Operation.SelectionSet, root.Name))
	}
	return next(ctx)
}

// abstractRoot reports whether a root field returns an interface or union (node, _entities):
// such a resolver may load many keys at once from goroutines of its own (the federation
// plugin resolves representations that way), which one field's count cannot follow, so the
// whole operation is left to the idle window.
func (d *Dispatcher) abstractRoot(oc *graphql.OperationContext, root string) bool {
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, d.satisfies[root]) {
		if f.Definition == nil {
			continue
		}
		if def := d.schema.Types[f.Definition.Type.Name()]; def != nil && (def.Kind == ast.Interface || def.Kind == ast.Union) {
			return true
		}
	}
	return false
}

// InterceptField counts the children of every field and lets a resolver's loads report
// when it waits. It runs for every field of the response, so the common case is kept
// short: a leaf (a scalar or enum, which has no selection) has no children, and only a
// resolver or a method can load.
func (d *Dispatcher) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	tr := trackerFrom(ctx)
	if tr == nil || fc == nil {
		return next(ctx)
	}
	children := 0
	defer func() { tr.finished(children) }()
	if fc.IsResolver || fc.IsMethod {
		ctx = context.WithValue(ctx, taskKey{}, &fieldTask{tracker: tr})
	}
	res, err := next(ctx)
	if err == nil && res != nil && len(fc.Field.Selections) > 0 {
		if children = d.children(ctx, tr, fc, res); children < 0 {
			children = 0
			tr.stop()
		}
	}
	return res, err
}

// trackerFrom finds the request's tracker: through the nearest resolver's task, which is
// a few context values up, before the request's loaders, which are at the far end of a
// chain as long as the field's depth.
func trackerFrom(ctx context.Context) *tracker {
	if t := taskFrom(ctx); t != nil {
		return t.tracker
	}
	if l, _ := ctx.Value(ctxKey{}).(*Loaders); l != nil {
		return l.tracker
	}
	return nil
}

// children is the number of fields gqlgen will execute for value res of field fc, or -1
// when that depends on more than the schema says (abstract types).
func (d *Dispatcher) children(ctx context.Context, tr *tracker, fc *graphql.FieldContext, res any) int {
	if fc.Field.Field == nil || fc.Field.Definition == nil {
		return -1
	}
	typ := fc.Field.Definition.Type
	def := d.schema.Types[typ.Name()]
	if def == nil {
		return -1
	}
	switch def.Kind {
	case ast.Object:
	case ast.Interface, ast.Union:
		return -1
	default:
		return 0
	}
	objects := nonNil(reflect.ValueOf(res), typ)
	if objects == 0 {
		return 0
	}
	return objects * tr.fieldsPer(ctx, d, fc.Field.Selections, def.Name)
}

// fieldsPer is d.fields for selections (not empty) under typeName, computed once per
// request: the count depends on the operation's variables (@skip, @include), so it is not
// shared between requests.
func (t *tracker) fieldsPer(ctx context.Context, d *Dispatcher, selections ast.SelectionSet, typeName string) int {
	key := countKey{&selections[0], len(selections), typeName}
	t.countsMu.Lock()
	n, ok := t.counts[key]
	t.countsMu.Unlock()
	if ok {
		return n
	}
	oc := t.oc
	if oc == nil {
		oc = graphql.GetOperationContext(ctx)
	}
	n = d.fields(oc, selections, typeName)
	t.countsMu.Lock()
	if t.counts == nil {
		t.counts = map[countKey]int{}
	}
	t.counts[key] = n
	t.countsMu.Unlock()
	return n
}

// fields is the number of fields gqlgen executes, through the field middleware, for one
// object of type typeName under selections: __typename is answered without it.
func (d *Dispatcher) fields(oc *graphql.OperationContext, selections ast.SelectionSet, typeName string) int {
	n := 0
	for _, f := range graphql.CollectFields(oc, selections, d.satisfies[typeName]) {
		if f.Name != "__typename" {
			n++
		}
	}
	return n
}

// nonNil counts the objects in v, a value of GraphQL type typ: lists are walked, nil
// pointers (null) count for nothing.
func nonNil(v reflect.Value, typ *ast.Type) int {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0
		}
		if typ.Elem == nil {
			return 1
		}
		v = v.Elem()
	}
	if typ.Elem == nil || (v.Kind() != reflect.Slice && v.Kind() != reflect.Array) {
		return 1
	}
	n := 0
	for i := range v.Len() {
		n += nonNil(v.Index(i), typ.Elem)
	}
	return n
}

// taskFrom returns the counted field whose resolver runs with ctx, if any.
func taskFrom(ctx context.Context) *fieldTask {
	t, _ := ctx.Value(taskKey{}).(*fieldTask)
	return t
}
