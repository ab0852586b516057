/// The pages' mustache templates. Embedded in the binary (no resource bundle to lose when the
/// executable is copied); `{{ }}` HTML-escapes every value, `{{{ }}}` is used only for the flame
/// graph, which ``FlameGraphHTML`` escapes itself.
enum UITemplates {
    static let all: [String: String] = [
        "layout": layout, "overview": overview, "trace": trace, "profile": profile, "explore": explore,
        "alerts": alerts, "rules": rules, "error": error,
    ]

    static let layout = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{$title}}Correlator{{/title}} · Correlator</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/ui/static/ui.css">
    <script src="/ui/static/ui.js" defer></script>
    </head>
    <body>
    <header>
    <a class="brand" href="/ui/">Correlator</a>
    <nav><a href="/ui/">Overview</a><a href="/ui/explore">Explore</a><a href="/ui/alerts">Alerts</a><a href="/ui/rules">Rules</a></nav>
    <form class="search" action="/ui/search" method="get" role="search">
    <input name="q" value="{{search}}" placeholder="trace id or profile id" aria-label="trace id or profile id" size="36">
    <button type="submit">Open</button>
    </form>
    </header>
    <main>
    {{$main}}{{/main}}
    </main>
    </body>
    </html>
    """

    static let overview = """
    {{<layout}}
    {{$title}}Overview{{/title}}
    {{$main}}
    <h1>Overview</h1>
    <p class="muted">Window {{from}} to {{to}}. <a href="/ui/?window=1h">last hour</a> · <a href="/ui/?window=24h">last day</a> · <a href="/ui/?window=168h">last week</a></p>

    <section id="services">
    <h2>Services seen</h2>
    {{#services}}<span class="chip">{{name}} <small>{{signals}}</small></span> {{/services}}
    {{^services}}<p class="empty">No spans, profiles or exemplars in this window.</p>{{/services}}
    </section>

    <section id="slow">
    <h2>Slowest recent requests</h2>
    {{^hasSlow}}<p class="empty">No exemplar with a trace id in this window.</p>{{/hasSlow}}
    {{#hasSlow}}
    {{{latencyChart}}}
    <table id="slow-requests">
    <thead><tr><th class="num">value</th><th>service</th><th>route</th><th>time</th><th>trace</th><th>link</th><th>top function</th><th>why slow</th></tr></thead>
    <tbody>
    {{#slow}}
    <tr>
    <td class="num">{{value}}</td><td>{{service}}</td><td>{{route}}</td><td class="time">{{time}}</td>
    <td><a class="trace-link" href="{{traceURL}}"><code>{{traceID}}</code></a></td>
    <td>{{#hasLink}}<span class="kind kind-{{linkKind}}">{{linkKind}}</span>{{/hasLink}}{{^hasLink}}<span class="muted">none</span>{{/hasLink}}</td>
    <td>{{#hasLink}}<a class="profile-link" href="{{profileURL}}"><code>{{topFunction}}</code></a>{{^topIsSpans}} <small class="muted" title="no samples are labelled with the span: the top function of the whole profile">whole profile</small>{{/topIsSpans}}{{/hasLink}}</td>
    <td class="cause">{{#cause}}<span class="confidence-{{causeConfidence}}" title="{{causeSummary}}">{{cause}}</span>{{/cause}}</td>
    </tr>
    {{/slow}}
    </tbody>
    </table>
    {{/hasSlow}}
    </section>

    <section id="firing">
    <h2>Firing alerts</h2>
    {{^hasFiring}}<p class="empty">Nothing is firing.</p>{{/hasFiring}}
    {{#hasFiring}}
    <table>
    <thead><tr><th>alert</th><th>labels</th><th class="num">value</th><th>since</th></tr></thead>
    <tbody>{{#firing}}<tr><td><a href="/ui/alerts">{{rule}}</a></td><td>{{labels}}</td><td class="num">{{value}}</td><td class="time">{{activeAt}}</td></tr>{{/firing}}</tbody>
    </table>
    {{/hasFiring}}
    </section>

    <section id="health">
    <h2>Ingest health</h2>
    {{^hasHealth}}<p class="empty">Nothing was ingested in this window.</p>{{/hasHealth}}
    {{#hasHealth}}
    <table id="ingest-health">
    <thead><tr><th>service</th><th>signal</th><th>last data</th><th class="num">age</th><th class="num">rows</th></tr></thead>
    <tbody>{{#health}}<tr><td>{{service}}</td><td>{{signal}}</td><td class="time">{{last}}</td><td class="num">{{age}}</td><td class="num">{{count}}</td></tr>{{/health}}</tbody>
    </table>
    {{/hasHealth}}
    </section>
    {{/main}}
    {{/layout}}
    """

    static let trace = """
    {{<layout}}
    {{$title}}Trace {{traceID}}{{/title}}
    {{$main}}
    <h1>Trace <code>{{traceID}}</code></h1>
    <p class="muted">{{spanCount}} spans · {{duration}} · started {{start}}</p>
    {{#reason}}<p class="note">{{reason}}</p>{{/reason}}

    {{#hasExplanation}}
    <section id="explanation">
    <h2>Why was it slow?</h2>
    <p id="explanation-summary">{{explanationSummary}}</p>
    {{#hasCauses}}
    <ol id="causes">
    {{#causes}}<li class="cause confidence-{{confidence}}"><span class="kind">{{kind}}</span> <code class="cause-function">{{function}}</code> <small class="muted">+{{extra}} a request · {{confidence}} confidence</small><br>{{summary}}{{#stack}}<br><small class="muted stack">{{stack}}</small>{{/stack}}</li>{{/causes}}
    </ol>
    {{/hasCauses}}
    </section>
    {{/hasExplanation}}

    {{#hasSpans}}
    <div class="waterfall" id="waterfall">
    <div class="wf-head"><span class="wf-name">span</span><span class="wf-bar">0 … {{duration}}</span><span class="wf-links">linked profiles (strongest first)</span></div>
    {{#spans}}
    <div class="wf-row{{#isError}} error{{/isError}}" data-span-id="{{spanID}}">
    <span class="wf-name" style="padding-left:{{indent}}px" title="{{service}} · span {{spanID}}">{{name}} <small class="muted">{{service}}</small></span>
    <span class="wf-bar"><span class="bar" style="margin-left:{{offset}}%;width:{{width}}%" title="{{name}}: {{duration}} from +{{startOffset}}"></span><small>{{duration}}</small></span>
    <span class="wf-links">{{#links}}<a class="profile-link kind-{{kind}}" href="{{url}}" title="{{kind}} · {{profileType}} profile {{profileID}}{{#overlap}} · covers {{overlap}} of the span{{/overlap}}">{{kind}}: {{profileType}}{{#topFunction}} · <code>{{topFunction}}</code>{{/topFunction}}</a> {{/links}}</span>
    </div>
    {{/spans}}
    </div>
    {{/hasSpans}}

    {{#hasTraceLinks}}
    <section><h2>Links without a stored span</h2>
    <ul>{{#traceLinks}}<li><a class="profile-link kind-{{kind}}" href="{{url}}">{{kind}}: {{profileType}} profile {{profileID}}</a>{{#topFunction}} · <code>{{topFunction}}</code>{{/topFunction}}</li>{{/traceLinks}}</ul>
    </section>
    {{/hasTraceLinks}}
    {{/main}}
    {{/layout}}
    """

    static let profile = """
    {{<layout}}
    {{$title}}Profile {{profileID}}{{/title}}
    {{$main}}
    <h1>{{type}} profile <code>{{profileID}}</code></h1>
    <p class="muted">{{service}} · {{start}} · {{duration}}{{#labels}} · {{labels}}{{/labels}} · <a href="{{pprofURL}}">pprof</a></p>

    <form class="controls" method="get" action="">
    <label>sample type
    <select name="sample_type" class="autosubmit">{{#sampleTypes}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}} ({{unit}})</option>{{/sampleTypes}}</select></label>
    <label>span <input name="span_id" value="{{spanID}}" placeholder="16 hex digits" size="18"></label>
    <label>baseline <input name="baseline" value="{{baseline}}" placeholder="1h, or profile ids" size="24"></label>
    <button type="submit">Apply</button>
    {{#hasFilter}}<a href="{{unfilteredURL}}">clear</a>{{/hasFilter}}
    </form>

    {{#message}}<p class="note">{{message}}</p>{{/message}}

    {{#hasFlameGraph}}
    <section>
    <h2>Flame graph{{#spanID}} of span <code>{{spanID}}</code>{{/spanID}}{{#hasDiff}} coloured by change against the baseline{{/hasDiff}}</h2>
    <p class="muted">{{total}} of {{sampleType}}{{#spanID}} in the span ({{spanShare}} of the profile){{/spanID}} · {{frames}} frames{{#hiddenFrames}}, {{hiddenFrames}} under 0.01% not drawn{{/hiddenFrames}} · click a frame to zoom, click <q>all</q> to reset{{#widest}} · hottest: <code id="widest-frame">{{widest}}</code>{{/widest}}</p>
    <div class="fg" id="flamegraph" data-unit="{{unit}}">{{{flameGraph}}}</div>
    <p class="status muted" id="fg-status">&nbsp;</p>
    </section>
    {{/hasFlameGraph}}

    {{#hasDiff}}
    <section id="diff">
    <h2>Change against the baseline</h2>
    <p class="muted">Baseline {{diffBaseline}}: {{diffBaseTotal}}, scaled by {{diffScale}} to this profile's {{diffNewTotal}} (as <code>-diff_base</code> with <code>-normalize</code>). Red grew, green shrank.</p>
    <table id="diff-table">
    <thead><tr><th>function</th><th class="num">baseline flat</th><th class="num">flat</th><th class="num">flat change</th><th class="num">baseline cum</th><th class="num">cum</th><th class="num">cum change</th></tr></thead>
    <tbody>{{#diffRows}}<tr class="{{direction}}"><td><code>{{name}}</code></td><td class="num">{{baseFlat}}</td><td class="num">{{flat}}</td><td class="num">{{flatDelta}}</td><td class="num">{{baseCum}}</td><td class="num">{{cum}}</td><td class="num">{{cumDelta}}</td></tr>{{/diffRows}}</tbody>
    </table>
    </section>
    {{/hasDiff}}

    {{#hasTop}}
    <section>
    <h2>Top functions{{#spanID}} in span <code>{{spanID}}</code>{{/spanID}}</h2>
    <table id="top-functions">
    <thead><tr><th class="num">flat</th><th class="num">flat%</th><th class="num">cum</th><th class="num">cum%</th><th>function</th><th>file</th></tr></thead>
    <tbody>{{#top}}<tr><td class="num">{{flat}}</td><td class="num">{{flatShare}}</td><td class="num">{{cum}}</td><td class="num">{{cumShare}}</td><td><code>{{name}}</code></td><td class="muted">{{file}}</td></tr>{{/top}}</tbody>
    </table>
    </section>
    {{/hasTop}}
    {{/main}}
    {{/layout}}
    """

    static let explore = """
    {{<layout}}
    {{$title}}Explore profiles{{/title}}
    {{$main}}
    <h1>Explore profiles</h1>
    <form class="controls" method="get" action="/ui/explore" id="explore-form">
    <label>service <select name="service" class="autosubmit">{{#services}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/services}}</select></label>
    <label>type <select name="type" class="autosubmit">{{#types}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/types}}</select></label>
    <label>sample type <input name="sample_type" value="{{sampleType}}" placeholder="default" size="12"></label>
    <label>selector <input name="selector" value="{{selector}}" placeholder="{pod=~&quot;api-.*&quot;}" size="28"></label>
    <label>from <input name="from" value="{{from}}" size="32"></label>
    <label>to <input name="to" value="{{to}}" size="32"></label>
    <label>span name <input name="span_name" value="{{spanName}}" placeholder="GET /checkout" size="16"></label>
    <label>slowest <input name="slowest" value="{{slowest}}" placeholder="5%" size="5"></label>
    <label>compare <input type="checkbox" name="compare" value="on" id="compare"{{#compare}} checked{{/compare}}></label>
    <label>baseline from <input name="baseline_from" value="{{baselineFrom}}" size="32"></label>
    <label>baseline to <input name="baseline_to" value="{{baselineTo}}" size="32"></label>
    <label>baseline selector <input name="baseline_selector" value="{{baselineSelector}}" placeholder="same" size="20"></label>
    <button type="submit">Apply</button>
    </form>

    {{#message}}<p class="note">{{message}}</p>{{/message}}

    {{#hasChart}}
    <section id="series">
    <h2>Over time</h2>
    <p class="muted">{{points}} points · drag across the chart to zoom into a range</p>
    {{{chart}}}
    </section>
    {{/hasChart}}

    {{#hasFlameGraph}}
    <section>
    <h2>Merged flame graph{{#hasDiff}} coloured by change against the baseline{{/hasDiff}}</h2>
    <p class="muted"><span id="merge-profiles">{{profiles}}</span> profiles{{#spans}} · <span id="merge-spans">{{spans}}</span> spans{{/spans}} · {{total}} of {{sampleTypeName}} · {{frames}} frames · <a href="{{pprofURL}}">pprof</a>{{#widest}} · hottest: <code id="widest-frame">{{widest}}</code>{{/widest}}</p>
    {{#hasDiff}}<p class="muted" id="baseline">Baseline: {{baselineDescription}}, {{baselineTotal}}. Red grew, green shrank (share of each total).</p>{{/hasDiff}}
    <div class="fg" id="flamegraph" data-unit="{{unit}}">{{{flameGraph}}}</div>
    <p class="status muted" id="fg-status">&nbsp;</p>
    </section>
    {{/hasFlameGraph}}

    {{#hasTop}}
    <section>
    <h2>Top functions</h2>
    <table id="top-functions">
    <thead><tr><th class="num">flat</th><th class="num">flat%</th><th class="num">cum</th><th class="num">cum%</th><th>function</th><th>file</th></tr></thead>
    <tbody>{{#top}}<tr><td class="num">{{flat}}</td><td class="num">{{flatShare}}</td><td class="num">{{cum}}</td><td class="num">{{cumShare}}</td><td><code>{{name}}</code></td><td class="muted">{{file}}</td></tr>{{/top}}</tbody>
    </table>
    </section>
    {{/hasTop}}
    {{/main}}
    {{/layout}}
    """

    static let alerts = """
    {{<layout}}
    {{$title}}Alerts{{/title}}
    {{$main}}
    <h1>Alerts</h1>
    {{^hasAlerts}}<p class="empty">No pending or firing alert.</p>{{/hasAlerts}}
    {{#alerts}}
    <article class="alert state-{{state}}">
    <h2><span class="state">{{state}}</span> {{rule}} <small class="muted">value {{value}} · active since {{activeAt}}{{#firedAt}} · firing since {{firedAt}}{{/firedAt}}</small></h2>
    <p>{{labels}}</p>
    {{#annotations}}<p class="muted"><b>{{key}}</b>: {{value}}</p>{{/annotations}}
    {{#details}}<span class="chip">{{key}} = {{value}}</span> {{/details}}
    {{#points}}<p class="muted">series: {{points}}</p>{{/points}}
    {{#hasExamples}}
    <table><thead><tr><th>example slow request</th><th>span</th><th class="num">duration</th><th class="num">samples</th></tr></thead>
    <tbody>{{#examples}}<tr><td><a class="trace-link" href="{{url}}"><code>{{traceID}}</code></a></td><td>{{spanName}}</td><td class="num">{{duration}}</td><td class="num">{{samples}}</td></tr>{{/examples}}</tbody></table>
    {{/hasExamples}}
    </article>
    {{/alerts}}
    {{/main}}
    {{/layout}}
    """

    static let rules = """
    {{<layout}}
    {{$title}}Rules{{/title}}
    {{$main}}
    <h1>Rules</h1>
    {{#warnings}}<p class="note error">{{.}}</p>{{/warnings}}
    {{^hasGroups}}<p class="empty">No rule files loaded (<code>--rules</code>).</p>{{/hasGroups}}
    {{#groups}}
    <section class="group">
    <h2>{{name}} <small class="muted">{{file}} · every {{interval}}{{#lastEvaluation}} · last evaluated {{lastEvaluation}}{{/lastEvaluation}}</small></h2>
    <table>
    <thead><tr><th>rule</th><th>state</th><th>health</th><th>condition</th><th>for</th><th>last evaluation</th><th class="num">took</th><th>alerts</th></tr></thead>
    <tbody>
    {{#rules}}
    <tr class="state-{{state}}">
    <td>{{name}}</td><td><span class="state">{{state}}</span></td><td class="health-{{health}}">{{health}}{{#lastError}}<div class="error">{{lastError}}</div>{{/lastError}}</td>
    <td><code>{{query}}</code></td><td>{{holdFor}}</td><td class="time">{{lastEvaluation}}</td><td class="num">{{evaluationTime}}</td><td class="num">{{alertCount}}</td>
    </tr>
    {{/rules}}
    </tbody>
    </table>
    </section>
    {{/groups}}
    {{/main}}
    {{/layout}}
    """

    static let error = """
    {{<layout}}
    {{$title}}{{heading}}{{/title}}
    {{$main}}
    <h1>{{heading}}</h1>
    <p class="note" id="error-message">{{message}}</p>
    <form class="search big" action="/ui/search" method="get" role="search">
    <label>Look up a trace id (32 hex digits) or a profile id
    <input name="q" value="{{search}}" size="40" autofocus></label>
    <button type="submit">Open</button>
    </form>
    <p><a href="/ui/">Back to the overview</a></p>
    {{/main}}
    {{/layout}}
    """
}
