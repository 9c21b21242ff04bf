package loaders

import (
	"context"
	"reflect"
	"strings"
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
// gqlgen runs an object's fields without a resolver in order on one goroutine, each with its
// whole subtree, and those with a resolver after all of them. So the fields of an object
// after such a field A cannot start while a field under A waits on a loader, though they are
// counted: while one does, A holds them, out of the count (hold). Which fields have a
// resolver is read from the generated ResolverRoot (NewDispatcher).
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

	// oc is the operation being counted and d the dispatcher counting it, set by start:
	// fields find them here rather than at the far end of their context chain.
	oc *graphql.OperationContext
	d  *Dispatcher
	// holds are the fields whose later siblings wait for their subtree, by field (under mu).
	holds map[*graphql.FieldContext]*hold
	// counts caches, per selection and object type, the fields gqlgen executes for one
	// object (Dispatcher.fields): every element of a list asks the same question.
	countsMu sync.Mutex
	counts   map[countKey]int
	held     map[heldKey]int64 // per field, what heldBy computed
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
	fc      *graphql.FieldContext // nil when not known: it holds nothing
	// pending is the number of keys it still waits for; 0 while it runs.
	pending int
	// holds are those of its ancestors while it waits.
	holds []*hold
}

// hold is a field run in its object's order (no resolver) whose subtree is running: the
// object's fields after it, and those with a resolver, start when that subtree is done.
type hold struct {
	held    int64 // those fields, counted active but unable to start
	waiting int   // fields under it waiting on a loader: while > 0, held is out of the count
}

// heldKey names one field of one selection set applied to one object type.
type heldKey struct {
	countKey
	alias string
}

type taskKey struct{}

func newTracker(flush func()) *tracker {
	return &tracker{waiting: map[loadKey][]*fieldTask{}, done: map[loadKey]struct{}{}, flush: flush}
}

// isCounting tells the loaders whether the count decides dispatch.
func (t *tracker) isCounting() bool { return t.counting.Load() }

// start arms the count with the root fields of operation oc, counted by d.
func (t *tracker) start(d *Dispatcher, oc *graphql.OperationContext, roots int) {
	t.oc, t.d = oc, d
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
	idle := false
	if task.pending > 0 {
		idle = t.active.Add(-1-t.holdAncestors(task)) == 0
	}
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
				release := int64(1)
				for _, h := range task.holds {
					if h.waiting--; h.waiting == 0 {
						release += h.held
					}
				}
				task.holds = task.holds[:0]
				t.active.Add(release)
			}
		}
		delete(t.waiting, lk)
	}
}

// holdAncestors records that task, starting to wait, holds its ancestors' later siblings,
// and returns how many fields that takes out of the count (those held by no other waiting
// field until now). t.mu is held.
func (t *tracker) holdAncestors(task *fieldTask) int64 {
	if task.fc == nil || t.d == nil {
		return 0
	}
	out := int64(0)
	for a := task.fc.Parent; a != nil; a = a.Parent {
		if a.Field.Field == nil {
			continue // a list's element
		}
		h := t.holds[a]
		if h == nil {
			n := t.heldBy(a)
			if n == 0 {
				continue
			}
			if t.holds == nil {
				t.holds = map[*graphql.FieldContext]*hold{}
			}
			h = &hold{held: n}
			t.holds[a] = h
		}
		if h.waiting == 0 {
			out += h.held
		}
		h.waiting++
		task.holds = append(task.holds, h)
	}
	return out
}

// heldBy is the number of fields of a's object that start only after a's subtree is done:
// none when a has a resolver of its own (it runs beside its siblings), else those after it
// in the object's order that have none, and all that have one. The root fields of a query
// run side by side, those of a mutation one after the other.
func (t *tracker) heldBy(a *graphql.FieldContext) int64 {
	parent := a.Parent
	for parent != nil && parent.Field.Field == nil {
		parent = parent.Parent
	}
	var selections ast.SelectionSet
	serial := false
	switch {
	case parent != nil:
		if t.d.concurrent[a.Object][a.Field.Name] {
			return 0
		}
		selections = parent.Field.Selections
	case t.oc != nil && t.oc.Operation != nil && t.oc.Operation.Operation == ast.Mutation:
		selections, serial = t.oc.Operation.SelectionSet, true
	default:
		return 0
	}
	if len(selections) == 0 {
		return 0
	}
	key := heldKey{countKey{&selections[0], len(selections), a.Object}, a.Field.Alias}
	return memo(&t.countsMu, &t.held, key, func() int64 {
		n, after := int64(0), false
		for _, f := range graphql.CollectFields(t.oc, selections, t.d.satisfies[a.Object]) {
			switch concurrent := !serial && t.d.concurrent[a.Object][f.Name]; {
			case f.Alias == a.Field.Alias:
				after = true
			case f.Name == "__typename":
			case concurrent || after:
				n++
			}
		}
		return n
	})
}

// memo returns (*m)[key], computing it (outside mu) and keeping it the first time.
func memo[K comparable, V any](mu *sync.Mutex, m *map[K]V, key K, compute func() V) V {
	mu.Lock()
	v, ok := (*m)[key]
	mu.Unlock()
	if ok {
		return v
	}
	v = compute()
	mu.Lock()
	if *m == nil {
		*m = map[K]V{}
	}
	(*m)[key] = v
	mu.Unlock()
	return v
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
	// concurrent holds, per object type, the fields gqlgen runs after the object's others,
	// side by side: those with a resolver.
	concurrent map[string]map[string]bool
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
// resolvers is the generated ResolverRoot interface (reflect.TypeFor[graph.ResolverRoot]()):
// its method T() returns the interface of the resolvers of type T's fields, one method per
// field. A field it misses is taken for one without a resolver, which can only make a batch
// wait for its window, never split it.
func NewDispatcher(schema *ast.Schema, resolvers reflect.Type) *Dispatcher {
	d := &Dispatcher{schema: schema, satisfies: map[string][]string{}, concurrent: resolverFields(schema, resolvers)}
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

// resolverFields reads, from gqlgen's generated ResolverRoot, the fields of each object type
// that have a resolver. gqlgen names a resolver method after its field in Go's style
// (externalId → ExternalID), so names are compared without case or underscores.
func resolverFields(schema *ast.Schema, root reflect.Type) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	if root == nil || root.Kind() != reflect.Interface {
		return out
	}
	fold := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	for i := range root.NumMethod() {
		m := root.Method(i)
		def := schema.Types[m.Name]
		if def == nil || m.Type.NumOut() != 1 || m.Type.Out(0).Kind() != reflect.Interface {
			continue
		}
		methods := map[string]bool{}
		for j := range m.Type.Out(0).NumMethod() {
			methods[fold(m.Type.Out(0).Method(j).Name)] = true
		}
		for _, f := range def.Fields {
			if methods[fold(f.Name)] {
				if out[def.Name] == nil {
					out[def.Name] = map[string]bool{}
				}
				out[def.Name][f.Name] = true
			}
		}
	}
	return out
}

// RunsBeside reports whether gqlgen runs field of type typeName beside its siblings, after
// the object's other fields (it has a resolver), as the dispatcher takes it.
func (d *Dispatcher) RunsBeside(typeName, field string) bool { return d.concurrent[typeName][field] }

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
		l.tracker.start(d, oc, d.fields(oc, oc.Operation.SelectionSet, root.Name))
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
		ctx = context.WithValue(ctx, taskKey{}, &fieldTask{tracker: tr, fc: fc})
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
	return memo(&t.countsMu, &t.counts, countKey{&selections[0], len(selections), typeName}, func() int {
		oc := t.oc
		if oc == nil {
			oc = graphql.GetOperationContext(ctx)
		}
		return d.fields(oc, selections, typeName)
	})
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
