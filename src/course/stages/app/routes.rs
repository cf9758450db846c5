//! Routes seen in the app's code, offered for `[app] health` when it is not given: Flask's
//! `@app.route("/…")` / `@bp.get("/…")` (with a blueprint's `url_prefix` in the same file) and
//! Django's `path("…")` and DRF's `router.register("…")` in urls.py files (with one level of
//! `include`). Read as text, never run, and only a hint: the student chooses. Pure, like
//! `entry::detect`: the caller lists and reads the files.

/// At most this many routes are offered (the message must fit a line or two).
const MAX_SHOWN: usize = 6;
/// At most this many Python files are read.
const MAX_FILES: usize = 200;

/// Routes a GET can ask without filling in a parameter, in the order found, a route with
/// "health" in it first, at most six.
pub fn routes(files: &[String], read: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let python: Vec<&String> = files
        .iter()
        .filter(|f| f.ends_with(".py") && !is_test(f))
        .take(MAX_FILES)
        .collect();
    let mut found = Vec::new();
    let mut django: Vec<(String, String)> = Vec::new();
    let mut includes: Vec<(String, String)> = Vec::new();
    for file in python {
        let Some(text) = read(file) else { continue };
        if file == "urls.py" || file.ends_with("/urls.py") {
            for (route, include) in django_paths(&text) {
                match include {
                    Some(module) => includes.push((module, route)),
                    None => django.push((file.clone(), route)),
                }
            }
        } else {
            found.extend(flask_routes(&text));
        }
    }
    for (file, route) in django {
        // A urls.py another one includes gets that one's prefix (one level is enough here).
        let module = file.trim_end_matches(".py").replace('/', ".");
        let prefix = includes
            .iter()
            .find(|(m, _)| *m == module)
            .map_or("", |(_, p)| p.as_str());
        found.push(format!("/{prefix}{route}"));
    }
    let mut seen = Vec::new();
    for route in found {
        if !route.contains('<')
            && super::health::validate_health_path(&route).is_ok()
            && !seen.contains(&route)
        {
            seen.push(route);
        }
    }
    seen.sort_by_key(|r| !r.contains("health"));
    seen.truncate(MAX_SHOWN);
    seen
}

fn is_test(file: &str) -> bool {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.starts_with("test_") || file.starts_with("tests/") || file.contains("/tests/")
}

/// The string literal at the start of `text` (after spaces and an `r` prefix), if any.
fn literal(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let text = text.strip_prefix('r').unwrap_or(text);
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &text[1..];
    rest.find(quote).map(|end| &rest[..end])
}

/// `@x.route("/a")`, `@x.get("/a")` (Flask 2's shortcut; `.post` and the others are not GETs),
/// with the file's `Blueprint(…, url_prefix="/p")` in front.
fn flask_routes(text: &str) -> Vec<String> {
    let prefix = text
        .lines()
        .filter(|l| l.contains("Blueprint("))
        .find_map(|l| {
            let at = l.find("url_prefix")?;
            literal(
                l[at + "url_prefix".len()..]
                    .trim_start()
                    .strip_prefix('=')?,
            )
        })
        .unwrap_or("")
        .trim_end_matches('/');
    let mut routes = Vec::new();
    for line in text.lines().map(str::trim) {
        if !line.starts_with('@') {
            continue;
        }
        let Some(call) = [".route(", ".get("]
            .iter()
            .find_map(|c| line.find(c).map(|at| &line[at + c.len()..]))
        else {
            continue;
        };
        if line.contains("methods") && !line.contains("GET") {
            continue;
        }
        if let Some(route) = literal(call).filter(|r| r.starts_with('/')) {
            routes.push(format!("{prefix}{route}"));
        }
    }
    routes
}

/// Django's `path("a/", view)` (without the leading /), and for `path("api/", include("x.urls"))`
/// the included module; DRF's `router.register(r"snippets", …)` as `snippets/`.
fn django_paths(text: &str) -> Vec<(String, Option<String>)> {
    let mut paths = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(call) = line.strip_prefix("path(") {
            let Some(route) = literal(call) else { continue };
            if line.contains("admin.site.urls") {
                continue;
            }
            let include = match line.find("include(") {
                // include(router.urls) and the like: the router's own lines say the routes.
                Some(at) => match literal(&line[at + "include(".len()..]) {
                    Some(module) => Some(module.to_owned()),
                    None => continue,
                },
                None => None,
            };
            paths.push((route.to_owned(), include));
        } else if let Some(at) = line.find(".register(") {
            if let Some(name) = literal(&line[at + ".register(".len()..]) {
                paths.push((format!("{}/", name.trim_matches('/')), None));
            }
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes_in(files: &[(&str, &str)]) -> Vec<String> {
        let names: Vec<String> = files.iter().map(|(n, _)| (*n).to_owned()).collect();
        routes(&names, &|path| {
            files
                .iter()
                .find(|(n, _)| *n == path)
                .map(|(_, t)| (*t).to_owned())
        })
    }

    #[test]
    fn flask_routes_and_blueprints() {
        let app = "from flask import Flask\napp = Flask(__name__)\n\n@app.route(\"/\")\ndef home():\n    return 'hi'\n\n\
                   @app.get('/store')\ndef stores(): ...\n@app.post(\"/store\")\ndef add(): ...\n\
                   @app.route(\"/store/<int:id>\")\ndef one(id): ...\n\
                   @app.route(\"/login\", methods=[\"POST\"])\ndef login(): ...\n\
                   @app.route(\"/ping\", methods=[\"GET\", \"HEAD\"])\ndef ping(): ...\n";
        let blueprint = "bp = Blueprint(\"items\", __name__, url_prefix=\"/api/\")\n\n\
                         @bp.route(\"/items\")\nclass Items(MethodView): ...\n\
                         @bp.get(\"/healthz\")\ndef healthz(): ...\n";
        assert_eq!(
            routes_in(&[
                ("app.py", app),
                ("shop/items.py", blueprint),
                ("tests/test_app.py", "@app.route(\"/test-only\")\n")
            ]),
            ["/api/healthz", "/", "/store", "/ping", "/api/items"]
        );
    }

    #[test]
    fn django_paths_with_an_include_and_a_router() {
        let project = "urlpatterns = [\n    path(\"admin/\", admin.site.urls),\n    \
                       path(\"api/\", include(\"snippets.urls\")),\n    path(\"health/\", views.health),\n]\n";
        let app = "router = DefaultRouter()\nrouter.register(r'snippets', views.SnippetViewSet)\n\
                   urlpatterns = [\n    path('', include(router.urls)),\n    path('users/<int:pk>/', views.user),\n    \
                   path(\"stats/\", views.stats),\n]\n";
        assert_eq!(
            routes_in(&[("mysite/urls.py", project), ("snippets/urls.py", app)]),
            ["/health/", "/api/snippets/", "/api/stats/"]
        );
    }

    #[test]
    fn nothing_seen_is_an_empty_list_and_many_are_cut() {
        assert!(routes_in(&[("app.py", "print('no web here')\n")]).is_empty());
        let many: String = (0..10)
            .map(|i| format!("@app.route(\"/r{i}\")\n"))
            .collect();
        assert_eq!(routes_in(&[("app.py", &many)]).len(), MAX_SHOWN);
    }
}
