package chatrule_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/channel"
	"github.com/worksynapse/worksynapse/ent/channelmember"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// The rules hold for any caller of the ent client, not only for the chat
// service: these go straight at ent, as a DEVELOPER who is not a member
// of a private channel.
func TestPrivateChannelRulesThroughEnt(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c, sys := db.Ent, testfix.System()
		testfix.Seed(t, c)
		org := testfix.Org(t, c, "Acme")
		owner, dev := testfix.User(t, c, "owner"), testfix.User(t, c, "dev")
		testfix.Member(t, c, org, owner)
		testfix.Member(t, c, org, dev)
		testfix.Grant(t, c, org, owner, seed.RoleAdmin)
		asDev := testfix.AsRole(t, c, dev, org, seed.RoleDeveloper)

		var priv, pub *ent.Channel
		var secret *ent.Message
		testfix.Tx(t, sys, c, func(tx *ent.Tx) (err error) {
			priv = tx.Channel.Create().SetOrganizationID(org.ID).SetType(channel.TypePrivate).SetName("hr").
				SetCreatedByID(owner.ID).SaveX(sys)
			pub = tx.Channel.Create().SetOrganizationID(org.ID).SetType(channel.TypePublic).SetName("general").
				SetCreatedByID(owner.ID).SaveX(sys)
			tx.ChannelMember.Create().SetOrganizationID(org.ID).SetChannelID(priv.ID).SetUserID(owner.ID).
				SetRole(channelmember.RoleOwner).ExecX(sys)
			secret = tx.Message.Create().SetOrganizationID(org.ID).SetChannelID(priv.ID).SetAuthorID(owner.ID).
				SetBody("secret").SaveX(sys)
			return nil
		})

		if n := c.Channel.Query().CountX(asDev); n != 1 {
			t.Errorf("dev sees %d channels, want only the public one", n)
		}
		if _, err := c.Message.Get(asDev, secret.ID); !ent.IsNotFound(err) {
			t.Errorf("private message: %v", err)
		}
		if n := c.ChannelMember.Query().CountX(asDev); n != 0 {
			t.Errorf("dev sees %d memberships of the private channel", n)
		}
		denied := func(name string, fn func(tx *ent.Tx) error) {
			t.Helper()
			err := database.WithTx(asDev, c, fn)
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s: want a privacy denial, got %v", name, err)
			}
		}
		member := func(ch uuid.UUID, role channelmember.Role) func(tx *ent.Tx) error {
			return func(tx *ent.Tx) error {
				return tx.ChannelMember.Create().SetOrganizationID(org.ID).SetChannelID(ch).SetUserID(dev.ID).SetRole(role).Exec(asDev)
			}
		}
		denied("self-join a private channel", member(priv.ID, channelmember.RoleMember))
		denied("join a public channel as owner", member(pub.ID, channelmember.RoleOwner))
		denied("post without joining", func(tx *ent.Tx) error {
			return tx.Message.Create().SetOrganizationID(org.ID).SetChannelID(pub.ID).SetAuthorID(dev.ID).SetBody("hi").Exec(asDev)
		})
		denied("post as someone else", func(tx *ent.Tx) error {
			return tx.Message.Create().SetOrganizationID(org.ID).SetChannelID(pub.ID).SetAuthorID(owner.ID).SetBody("hi").Exec(asDev)
		})
		denied("create a channel without channel:create", func(tx *ent.Tx) error {
			return tx.Channel.Create().SetOrganizationID(org.ID).SetType(channel.TypePublic).SetName("mine").Exec(asDev)
		})
		denied("create a project channel", func(tx *ent.Tx) error {
			return tx.Channel.Create().SetOrganizationID(org.ID).SetType(channel.TypeProject).SetName("p").Exec(asDev)
		})
		if err := database.WithTx(asDev, c, member(pub.ID, channelmember.RoleMember)); err != nil {
			t.Fatalf("joining a public channel: %v", err)
		}
		if err := database.WithTx(asDev, c, func(tx *ent.Tx) error {
			return tx.Message.Create().SetOrganizationID(org.ID).SetChannelID(pub.ID).SetAuthorID(dev.ID).SetBody("hi").Exec(asDev)
		}); err != nil {
			t.Errorf("posting after joining: %v", err)
		}
		// Changing the private channel is impossible: it does not exist for dev.
		err := database.WithTx(asDev, c, func(tx *ent.Tx) error {
			return tx.Channel.UpdateOneID(priv.ID).SetTopic("mine").Exec(asDev)
		})
		if !ent.IsNotFound(err) {
			t.Errorf("update of an invisible channel: %v", err)
		}
	})
}
