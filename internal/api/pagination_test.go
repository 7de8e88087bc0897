package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestCursorsAreBoundToTheirList: every list decodes its cursor in one
// place, so a garbage cursor is a 422 on each of them (the channel
// message list, which pages by message ids, refuses one too), and a
// cursor replayed with other filters, another parent or another list is a
// 422 rather than a page of something else.
func TestCursorsAreBoundToTheirList(t *testing.T) {
	t.Parallel()
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := newChat(t, db, nil)
		a := c.newChannel(c.adminT, "public", "alpha")
		b := c.newChannel(c.adminT, "public", "beta")
		c.addMember(c.adminT, a.ID, c.dave)
		c.addMember(c.adminT, b.ID, c.dave)
		root := c.post(c.adminT, a.ID, "launch one @daveed", nil)
		c.post(c.adminT, a.ID, "launch two @daveed", &root.ID)
		c.post(c.adminT, a.ID, "launch three @daveed", &root.ID)
		var p idJSON
		c.must(201, c.adminT, "POST", c.path("/projects"), map[string]string{"key": "PG", "name": "Paging"}, &p)

		lists := []string{
			c.path("/channels?"),
			c.path("/messages/search?q=launch&"),
			c.path("/projects?"),
			c.path("/users?"),
			fmt.Sprintf("/channels/%s/members?", a.ID),
			fmt.Sprintf("/channels/%s/messages?", a.ID),
			fmt.Sprintf("/channels/%s/pins?", a.ID),
			fmt.Sprintf("/messages/%s/thread?", root.ID),
			fmt.Sprintf("/projects/%s/tasks?", p.ID),
			"/me/mentions?",
		}
		for _, l := range lists {
			for _, garbage := range []string{"garbage", "%21%21", "YzE6e30"} { // YzE6e30 is "c1:{}"
				if code, body := c.call(c.adminT, http.MethodGet, l+"cursor="+garbage, nil); code != http.StatusUnprocessableEntity {
					t.Errorf("GET %scursor=%s: %d %s", l, garbage, code, body)
				}
			}
		}

		// A cursor works with the filters it was issued for, and only there.
		first := func(token, path string) string {
			t.Helper()
			var page pageJSON[idJSON]
			c.must(200, token, http.MethodGet, path, nil, &page)
			if page.NextCursor == nil {
				t.Fatalf("GET %s: no next page: %+v", path, page)
			}
			return *page.NextCursor
		}
		for _, tc := range []struct{ issued, same, other string }{
			{c.path("/channels?limit=1"), c.path("/channels?limit=5"), c.path("/channels?limit=1&type=private")},
			{c.path("/messages/search?q=launch&limit=1"), c.path("/messages/search?q=launch&limit=1"), c.path("/messages/search?q=three&limit=1")},
			{fmt.Sprintf("/channels/%s/members?limit=1", a.ID), fmt.Sprintf("/channels/%s/members?limit=1", a.ID), fmt.Sprintf("/channels/%s/members?limit=1", b.ID)},
			{fmt.Sprintf("/messages/%s/thread?limit=1", root.ID), fmt.Sprintf("/messages/%s/thread?limit=1", root.ID), "/me/mentions?limit=1"},
		} {
			cur := first(c.adminT, tc.issued)
			c.must(200, c.adminT, http.MethodGet, tc.same+"&cursor="+cur, nil, nil)
			if code, body := c.call(c.adminT, http.MethodGet, tc.other+"&cursor="+cur, nil); code != http.StatusUnprocessableEntity {
				t.Errorf("cursor of %s used on %s: %d %s", tc.issued, tc.other, code, body)
			}
		}
	})
}
