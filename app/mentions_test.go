package app_test

import (
	"net/http"
	"net/url"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

func TestMentionLinksTheProfile(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		annaUser := srv.User("Anna de Vries", "anna@example.com", models.RoleMember)
		anna := srv.SignedIn(annaUser)
		bram := srv.SignedIn(srv.User("Bram", "bram@example.com", models.RoleMember))
		path := proposeThroughForm(t, anna, "Mudguards that do not rattle", "", "")
		id := ideaURL.FindStringSubmatch(path)[1]

		bram.Get(path)
		r := bram.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"Same here, @AnnaDeVries! Not @Carla."}})
		wantStatus(t, r, http.StatusSeeOther)
		r = srv.Client().Get(path)
		mention := `.comments .markdown a.mention[href="/members/` + itoa(annaUser.ID) + `"]`
		wantCount(t, r, mention, 1)
		wantText(t, r, mention, "@AnnaDeVries")
		wantCount(t, r, ".comments a.mention", 1)
	})
}
