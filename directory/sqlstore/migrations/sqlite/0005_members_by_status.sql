-- Members of an organization with one status, in user id order: a members page filtered by
-- status steps from member to member through this index (one seek each, however many
-- members of other statuses lie between), and its total is counted from it alone.
CREATE INDEX memberships_by_organization_status ON memberships (organization_id, status, user_id);
