package gatewright.allowed_repos

import data.lib.common
import data.lib.image
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, img, repos)} if {
	not common.is_delete
	repos := object.get(input, ["parameters", "repos"], [])
	some entry in common.containers
	img := object.get(entry.container, "image", "")
	not image.repo_matches_any(repos, img)
	field := sprintf("%s.image", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, img, repos)
}
