-- Create index "organizationmember_organization_id" to table: "organization_members"
CREATE INDEX "organizationmember_organization_id" ON "organization_members" ("organization_id");
