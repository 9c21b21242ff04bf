package sqlstore

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
func roleColumns(d *dialect) string {
	return `r.id, r.name, r.display_name, r.description,
	(SELECT ` + d.jsonArray(d.jsonObject+`('name', p.name, 'description', p.description) ORDER BY p.name`) + `
		FROM role_permissions AS rp JOIN permissions AS p ON p.name = rp.permission_name
		WHERE rp.role_id = r.id)`
}

func scanRole(row scanner, pre ...any) (*directory.Role, error) {
	var (
		r           directory.Role
		permissions []byte
		stored      []struct {
			Name        string  `json:"name"`
			Description *string `json:"description"`
		}
	)
	if err := row.Scan(append(pre, &r.ID, &r.Name, &r.DisplayName, &r.Description, &permissions)...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(permissions, &stored); err != nil {
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
	rows, err := s.read().query(ctx, `SELECT `+s.d.roleColumns+` FROM roles AS r ORDER BY r.name`)
	if err != nil {
		return nil, s.fail("roles", err)
	}
	defer rows.Close()
	out := []*directory.Role{}
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, s.fail("roles", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail("roles", err)
	}
	return out, nil
}

// RolesByID returns the roles with the given ids, in key order, in one statement.
func (s *Store) RolesByID(ctx context.Context, ids []string) ([]*directory.Role, error) {
	out, err := byKeys(ctx, s.read(), `SELECT k.key, `+s.d.roleColumns+`
		FROM `+s.d.keys+` AS k JOIN roles AS r ON r.id = k.value`, ids, scanRole)
	if err != nil {
		return nil, s.fail("roles by id", err)
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
	rows, err := c.query(ctx, `SELECT k.key, r.id FROM `+c.d.keys+` AS k
		LEFT JOIN roles AS r ON r.name = k.value ORDER BY k.key`, keyList(names))
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
		if i < 0 || i >= len(names) {
			return nil, nil, fmt.Errorf("resolving roles: key index %d out of range", i)
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
	rows, err := c.query(ctx, `SELECT id FROM roles WHERE default_member ORDER BY name`)
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
