package sqlstore

import (
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"time"
)

// dialect is everything in which SQLite and PostgreSQL differ as this store uses them. The
// queries are written once, with ? placeholders, in the SQL both understand; a dialect fills
// in the few fragments that cannot be shared and converts arguments for its driver.
type dialect struct {
	// name prefixes the store's errors ("sqlite: …", "postgres: …").
	name string
	// numbered rewrites ? placeholders as $1, $2, … (PostgreSQL).
	numbered bool

	// keys is the relation of a batch of keys bound as one parameter (a keyList argument),
	// with the columns key (the index in the batch, from 0) and value. One statement answers
	// a whole batch, whatever its size.
	keys string
	// bindKeys encodes a batch of keys for keys; a nil entry matches nothing.
	bindKeys func([]*string) any
	// encodeTime and encodeBytes convert time and byte arguments for the driver.
	encodeTime  func(time.Time) any
	encodeBytes func([]byte) any

	// jsonArray aggregates the rows of a sub-select into a JSON array ([] for none); its
	// argument is what goes inside the aggregate's parentheses. jsonObject names the
	// function that builds a JSON object from key/value pairs.
	jsonArray  func(inside string) string
	jsonObject string
	// emailEq compares two email expressions with ASCII case folding, so that the unique
	// index on emails answers it.
	emailEq func(a, b string) string
	// fold folds the ASCII letters of a text expression to lower case.
	fold func(expr string) string
	// lockRows is the clause that locks the row a read-modify-write reads, on the attempts
	// of writeTx that lock (see conn.forUpdate); "" where a write transaction already holds
	// the only write lock there is.
	lockRows string

	// unique reports whether err violated the unique constraint (or primary key) of key,
	// named "table.column" (for a composite key, its first column).
	unique func(err error, key string) bool
	// lostRace reports whether a driver error is a race with another writer that a new
	// attempt may win; staleReference, whether it is a write referring to a row deleted
	// meanwhile, which a new attempt reports as NOT_FOUND.
	lostRace, staleReference func(err error) bool

	// readSnapshot is how a read transaction begins so that its statements share a snapshot.
	readSnapshot *sql.TxOptions
	// schemaTable creates the table recording applied migrations; migrateLock (optional)
	// serializes processes migrating one database at the same time.
	schemaTable, migrateLock string

	// membersSQL and membersArgs answer a batch of members queries in one statement; see
	// Store.Members.
	membersSQL  func(membershipColumns string) string
	membersArgs func([]membersArg) []any

	// Column lists built from the fragments above by prepare.
	membershipColumns, roleColumns, members string
}

// prepare builds the statements that depend on the dialect's fragments, once.
func (d *dialect) prepare() *dialect {
	d.membershipColumns = membershipColumns(d)
	d.roleColumns = roleColumns(d)
	d.members = d.membersSQL(d.membershipColumns)
	return d
}

// keyList is a batch of lookup keys as a query argument: conn binds it with dialect.bindKeys.
type keyList []string

// rebind returns query with its placeholders as the driver wants them. Queries are few and
// mostly constant, so PostgreSQL's rewrites are cached.
func (d *dialect) rebind(query string) string {
	if !d.numbered {
		return query
	}
	if q, ok := rebound.Load(query); ok {
		return q.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	rebound.Store(query, b.String())
	return b.String()
}

var rebound sync.Map // query with ? → query with $n

// args converts arguments for the driver: batches of keys, times and bytes.
func (d *dialect) args(args []any) []any {
	var out []any
	for i, a := range args {
		var v any
		switch x := a.(type) {
		case keyList:
			v = d.bindKeys(keyArray(x))
		case time.Time:
			v = d.encodeTime(x)
		case *time.Time:
			if x == nil {
				v = nil
			} else {
				v = d.encodeTime(*x)
			}
		case []byte:
			v = d.encodeBytes(x)
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = v
	}
	if out == nil {
		return args
	}
	return out
}
