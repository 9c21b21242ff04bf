package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/usergraph/usergraph/directory"
)

// roleColumns selects a role from "roles AS r" with its permissions, by name, as two
// parallel arrays: names and descriptions.
const roleColumns = `r.id, r.name, r.display_name, r.description,
	ARRAY(SELECT p.name FROM role_permissions AS rp JOIN permissions AS p ON p.name = rp.permission_name
		WHERE rp.role_id = r.id ORDER BY p.name),
	ARRAY(SELECT p.description FROM role_permissions AS rp JOIN permissions AS p ON p.name = rp.permission_name
		WHERE rp.role_id = r.id ORDER BY p.name)`

func scanRole(row pgx.Row, pre ...any) (*directory.Role, error) {
	var (
		r            directory.Role
		names        []string
		descriptions []*string
	)
	if err := row.Scan(append(pre, &r.ID, &r.Name, &r.DisplayName, &r.Description, &names, &descriptions)...); err != nil {
		return nil, err
	}
	if len(names) != len(descriptions) {
		return nil, fmt.Errorf("role %s: %d permission names but %d descriptions", r.ID, len(names), len(descriptions))
	}
	r.Permissions = make([]directory.Permission, len(names))
	for i, name := range names {
		r.Permissions[i] = directory.Permission{Name: name, Description: descriptions[i]}
	}
	return &r, nil
}

// Roles returns the role catalogue, ordered by name.
func (s *Store) Roles(ctx context.Context) ([]*directory.Role, error) {
	rows, err := s.read().query(ctx, `SELECT `+roleColumns+` FROM roles AS r ORDER BY r.name`)
	if err != nil {
		return nil, fmt.Errorf("postgres: roles: %w", err)
	}
	defer rows.Close()
	out := []*directory.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: roles: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: roles: %w", err)
	}
	return out, nil
}

// RolesByID returns the roles with the given ids, in key order, in one statement.
func (s *Store) RolesByID(ctx context.Context, ids []string) ([]*directory.Role, error) {
	out := make([]*directory.Role, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.read().query(ctx, `SELECT k.i, `+roleColumns+`
		FROM unnest($1::text[]) WITH ORDINALITY AS k (value, i) JOIN roles AS r ON r.id = k.value`, keyArray(ids))
	if err != nil {
		return nil, fmt.Errorf("postgres: roles by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		r, err := scanRole(rows, &i)
		if err != nil {
			return nil, fmt.Errorf("postgres: roles by id: %w", err)
		}
		if i < 1 || i > len(out) {
			return nil, fmt.Errorf("postgres: roles by id: key index %d out of range", i)
		}
		out[i-1] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: roles by id: %w", err)
	}
	return out, nil
}

// resolveRoles turns role names into role ids inside a write. An empty list means the
// roles flagged default_member, unless explicit is set (a membership update that sets an
// empty list means "no roles"). An unknown name is a NOT_FOUND problem at ["roles", "<i>"].
func resolveRoles(ctx context.Context, c conn, names []string, explicit bool) ([]string, []directory.FieldError, error) {
	if len(names) == 0 {
		if explicit {
			return nil, nil, nil
		}
		return defaultRoles(ctx, c)
	}
	rows, err := c.query(ctx, `SELECT k.i, r.id FROM unnest($1::text[]) WITH ORDINALITY AS k (value, i)
		LEFT JOIN roles AS r ON r.name = k.value ORDER BY k.i`, keyArray(names))
	if err != nil {
		return nil, nil, fmt.Errorf("resolving roles: %w", err)
	}
	defer rows.Close()
	var ids []string
	var problems []directory.FieldError
	for rows.Next() {
		var i int
		var id *string
		if err := rows.Scan(&i, &id); err != nil {
			return nil, nil, fmt.Errorf("resolving roles: %w", err)
		}
		if i < 1 || i > len(names) {
			return nil, nil, fmt.Errorf("resolving roles: key index %d out of range", i)
		}
		if id == nil {
			problems = append(problems, directory.FieldError{
				Field:   []string{"roles", strconv.Itoa(i - 1)},
				Code:    directory.CodeNotFound,
				Message: fmt.Sprintf("there is no role named %q", names[i-1]),
			})
			continue
		}
		ids = append(ids, *id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("resolving roles: %w", err)
	}
	return ids, problems, nil
}

func defaultRoles(ctx context.Context, c conn) ([]string, []directory.FieldError, error) {
	rows, err := c.query(ctx, `SELECT id FROM roles WHERE default_member ORDER BY name`)
	if err != nil {
		return nil, nil, fmt.Errorf("reading default roles: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, nil, fmt.Errorf("reading default roles: %w", err)
	}
	return ids, nil, nil
}
