// Package dashboard serves a run database as web pages: the runs (front
// page), the studies, one study with its figures and its trials (sortable),
// and each run's report at /runs/RUN, with the same tables and figures as
// the static report of package reports.
//
// # Contract
//
//   - Read-only: every request opens the database through an Opener and
//     releases it before returning, so the dashboard works while a run
//     writes (the tracker's ReadOnly stores read through the writer) and
//     never keeps a writer waiting.
//   - Every string that came from a user (run, study and parameter names,
//     attributes, specs) is escaped by html/template; pages carry no script
//     and a Content-Security-Policy that forbids one.
//   - A malformed or unknown id, figure, table or artifact gives a 404 page;
//     a bad sort key a 400 page; a database that cannot be opened a 503 page.
//     A panic in a handler is recovered into a 500 page.
//   - Only GET and HEAD are served; forms (the runs filter, compare, the
//     contour pair) use GET and submit only to the dashboard.
//   - Settings on the compare page come from the SettingsFunc given with
//     WithSettings (cgx serve: experiments.ResolvedSettings); reports never
//     import experiments, so without one the page says settings are not
//     compared.
//   - With WithAddr, only requests whose Host header names the served port
//     and localhost, a loopback address, the listening address (any IP
//     address when listening on all interfaces) or a WithAllowedHosts name
//     are served; others get a 403 page. This stops DNS rebinding: a page
//     from another site reaching the dashboard under its own DNS name.
//
// # Routes
//
//	/                                 runs (?spec=&status=&tag=&q= filter, ?metric=KEY columns)
//	/compare?run=A&run=B              runs side by side: fields, attributes, resolved settings, metrics
//	/compare/figures/NAME.(png|svg)   a figure overlaying the runs of ?run=
//	/runs/RUN                         the run's report page
//	/runs/RUN/figures/NAME.(png|svg)  a figure of the run
//	/runs/RUN/tables/NAME.FORMAT      a table of the run (md, csv, tex, json, html)
//	/studies                          every study (?sort=COLUMN&order=asc|desc)
//	/studies/ID                       a study: attributes, figures, trials (?sort=, &order=)
//	/studies/ID/figures/NAME.(png|svg) a figure of the study
//	/studies/ID/figures/contour.(png|svg)?x=A&y=B  the loss over a chosen pair
//	/studies/ID/trials/N              a trial: images, loss per step, every parameter
//	/studies/ID/trials/N/figures/curve.(png|svg)   its loss per step
//	/artifacts/HEX                    an image artifact (PNG or JPEG only)
//
// # Caveats
//
// Pages and figures are computed per request from the database, with no
// cache: a figure of a study with thousands of trials costs a full read of
// that study. The trial table shows at most MaxTrialRows rows and
// MaxParamColumns parameter columns.
package dashboard
