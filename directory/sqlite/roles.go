package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/usergraph/usergraph/directory"
)

// roleColumns selects a role from "roles AS r" with its permissions aggregated, by name, into
// one JSON array of {name, description} objects.
const roleColumns = `r.id, r.name, r.display_name, r.description,
	(SELECT json_group_array(json_object('name', p.name, 'description', p.description) ORDER BY p.name)
		FROM role_permissions AS rp JOIN permissions AS p ON p.name = rp.permission_name
		WHERE rp.role_id = r.id)`

func scanRole(row scanner, pre ...any) (*directory.Role, error) {
	var (
		r              directory.Role
		display, descr sql.NullString
		permissions    string
		stored         []struct {
			Name        string  `json:"name"`
			Description *string `json:"description"`
		}
	)
	if err := row.Scan(append(pre, &r.ID, &r.Name, &display, &descr, &permissions)...); err != nil {
		return nil, err
	}
	r.DisplayName, r.Description = strPtr(display), strPtr(descr)
	if err := json.Unmarshal([]byte(permissions), &stored); err != nil {
		return nil, fmt.Errorf("stored permissions of role %s: %w", r.ID, err)
	}
	r.Permissions = make([]directory.Permission, len(stored))
	for i, p := range stored {
		r.Permissions[i] = directory.Permission{Name: p.Name, Description: p.Description}
	}
	return &r, nil
}

// Roles returns the role catalogue, ordered by name.
func (s *Store) Roles(ctx context.Context) ([]*directory.Role, error) {
	rows, err := s.read().query(ctx, `SELECT `+roleColumns+` FROM roles AS r ORDER BY r.name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: roles: %w", err)
	}
	defer rows.Close()
	out := []*directory.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: roles: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: roles: %w", err)
	}
	return out, nil
}

// RolesByID returns the roles with the given ids, in key order, in one statement.
func (s *Store) RolesByID(ctx context.Context, ids []string) ([]*directory.Role, error) {
	out := make([]*directory.Role, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.read().query(ctx, `SELECT k.key, `+roleColumns+`
		FROM json_each(?) AS k JOIN roles AS r ON r.id = k.value`, keysJSON(ids))
	if err != nil {
		return nil, fmt.Errorf("sqlite: roles by id: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		r, err := scanRole(rows, &i)
		if err != nil {
			return nil, fmt.Errorf("sqlite: roles by id: %w", err)
		}
		out[i] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: roles by id: %w", err)
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
	rows, err := c.query(ctx, `SELECT k.key, r.id FROM json_each(?) AS k
		LEFT JOIN roles AS r ON r.name = k.value ORDER BY k.key`, keysJSON(names))
	if err != nil {
		return nil, nil, fmt.Errorf("resolving roles: %w", err)
	}
	defer rows.Close()
	var ids []string
	var problems []directory.FieldError
	for rows.Next() {
		var i int
		var id sql.NullString
		if err := rows.Scan(&i, &id); err != nil {
			return nil, nil, fmt.Errorf("resolving roles: %w", err)
		}
		if !id.Valid {
			problems = append(problems, directory.FieldError{
				Field:   []string{"roles", strconv.Itoa(i)},
				Code:    directory.CodeNotFound,
				Message: fmt.Sprintf("there is no role named %q", names[i]),
			})
			continue
		}
		ids = append(ids, id.String)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("resolving roles: %w", err)
	}
	return ids, problems, nil
}

func defaultRoles(ctx context.Context, c conn) ([]string, []directory.FieldError, error) {
	rows, err := c.query(ctx, `SELECT id FROM roles WHERE default_member = 1 ORDER BY name`)
	if err != nil {
		return nil, nil, fmt.Errorf("reading default roles: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, nil, fmt.Errorf("reading default roles: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading default roles: %w", err)
	}
	return ids, nil, nil
}
