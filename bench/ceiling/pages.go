package main

// pages are the ceiling's templates: the same frame and content as Samen's
// list, idea and search pages (header, navigation, forms with a CSRF token,
// filters, rows with their vote buttons; signed in, an idea's vote, follow,
// report, reply and comment forms), in English only.
const pages = `
{{define "head"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Title}}{{.Title}} · {{end}}Samen</title>
<meta name="csrf-token" content="{{.CSRF}}">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"historyCacheSize":0}'>
<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/css/samen.css">
<script src="/static/js/htmx.min.js" defer></script>
<script src="/static/js/samen.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="bar">
    <a class="brand" href="/"><img src="/static/img/logo.svg" alt="" width="28" height="28"><span>Samen</span></a>
    <nav class="site-nav" aria-label="Main">
      <ul><li><a href="/" aria-current="page">Ideas</a></li><li><a href="/search">Search</a></li></ul>
    </nav>
    <div class="account">
      {{if .Member}}
      <a href="/me" class="account-name">{{.Member.Name}}</a>
      <form class="inline-form" method="post" action="/logout">
        <input type="hidden" name="_csrf" value="{{.CSRF}}">
        <button type="submit" class="link">Sign out</button>
      </form>
      {{else}}
      <a href="/login?next=%2f" class="button secondary sign-in">Sign in</a>
      {{end}}
      <form class="lang-switch inline-form" method="post" action="/lang" aria-label="Language">
        <input type="hidden" name="_csrf" value="{{.CSRF}}">
        <input type="hidden" name="next" value="/">
        <button type="submit" name="lang" value="en" lang="en" aria-pressed="true">English</button><button type="submit" name="lang" value="nl" lang="nl" aria-pressed="false">Nederlands</button>
      </form>
    </div>
  </div>
</header>
<main id="main">
{{end}}

{{define "foot"}}
</main>
<footer class="site-footer"><div class="bar"><span>Samen</span><span>Powered by Samen</span></div></footer>
</body>
</html>
{{end}}

{{define "list"}}{{template "head" .}}
<section class="hero compact" aria-labelledby="home-title">
  <h1 id="home-title">Shape what Samen makes next</h1>
  <p class="lead">This is where the Samen community and product team build better products together. Share what you would change, back the ideas you believe in, and see what becomes of them.</p>
  <p><a class="button" href="/ideas/new">Propose an idea</a></p>
</section>
<form class="filters" method="get" action="/" role="search">
  <label class="visually-hidden" for="q">Search ideas</label>
  <input id="q" name="q" type="search" maxlength="200" value="" placeholder="Search ideas">
  <label for="sort">Sort</label>
  <select id="sort" name="sort"><option value="hot" selected>Trending</option><option value="top">Most votes</option><option value="new">Newest</option><option value="updated">Recently active</option></select>
  <label for="status">Status</label>
  <select id="status" name="status"><option value="">All</option>{{range .Statuses}}<option value="{{.Slug}}">{{.Name}}</option>{{end}}</select>
  <label for="category">Category</label>
  <select id="category" name="category"><option value="">All</option>{{range .Categories}}<option value="{{.Slug}}">{{.Name}}</option>{{end}}</select>
  {{if .Member}}<label><input type="checkbox" name="mine" value="1"> My ideas</label><label><input type="checkbox" name="voted" value="1"> My votes</label>{{end}}
  <button type="submit" class="secondary">Apply</button>
</form>
<p class="muted count">{{.Total}} ideas</p>
<ol class="ideas">
  {{range .Ideas}}
  <li class="idea-row" data-id="{{.ID}}">
    <div class="vote" id="vote-{{.ID}}">
      <span class="vote-count" aria-label="{{.Votes}} votes">{{.Votes}}</span>
      {{if $.Member}}
      <form method="post" action="/ideas/{{.ID}}/{{if .Voted}}unvote{{else}}vote{{end}}" hx-post="/ideas/{{.ID}}/{{if .Voted}}unvote{{else}}vote{{end}}" hx-target="#vote-{{.ID}}" hx-swap="outerHTML">
        <input type="hidden" name="_csrf" value="{{$.CSRF}}">
        <input type="hidden" name="next" value="/">
        <button type="submit" class="vote-button{{if .Voted}} voted{{end}}" aria-pressed="{{.Voted}}"{{if not .Open}} disabled{{end}}>{{if .Voted}}Voted{{else}}Vote{{end}}</button>
      </form>
      {{else}}<a class="vote-button" href="/login?next=%2f">Vote</a>{{end}}
    </div>
    <div class="idea-summary">
      <h2><a href="/ideas/{{.ID}}/{{.Slug}}">{{.Title}}</a></h2>
      <p class="meta">
        {{if .Pinned}}<span class="badge pinned">Pinned</span>{{end}}
        <span class="status status-{{.StatusKind}}">{{.StatusName}}</span>
        {{with .Category}}<span class="category">{{.}}</span>{{end}}
        <a class="author" href="/members/{{.AuthorID}}">{{.AuthorName}}</a>
        <span class="comments-count">{{.Comments}} comments</span>
      </p>
    </div>
  </li>
  {{end}}
</ol>
<nav class="pager" aria-label="Pages"><a rel="next" href="/?page=2">Next</a></nav>
{{template "foot" .}}{{end}}

{{define "idea"}}{{template "head" .}}{{with .Idea}}
<article class="idea" data-id="{{.ID}}">
  <header class="idea-header">
    <div class="vote" id="vote-{{.ID}}"><span class="vote-count" aria-label="{{.Votes}} votes">{{.Votes}}</span>
      {{if $.Member}}
      <form method="post" action="/ideas/{{.ID}}/{{if .Voted}}unvote{{else}}vote{{end}}" hx-post="/ideas/{{.ID}}/{{if .Voted}}unvote{{else}}vote{{end}}" hx-target="#vote-{{.ID}}" hx-swap="outerHTML">
        <input type="hidden" name="_csrf" value="{{$.CSRF}}">
        <input type="hidden" name="next" value="/ideas/{{.ID}}/{{.Slug}}">
        <button type="submit" class="vote-button{{if .Voted}} voted{{end}}" aria-pressed="{{.Voted}}"{{if not .Open}} disabled{{end}}>{{if .Voted}}Voted{{else}}Vote{{end}}</button>
      </form>
      {{else}}<a class="vote-button" href="/login?next=%2f">Vote</a>{{end}}
    </div>
    <div>
      <h1>{{.Title}}</h1>
      <p class="meta">
        <span class="status status-{{.StatusKind}}">{{.StatusName}}</span>
        {{with .Category}}<span class="category">{{.}}</span>{{end}}
        <a class="author" href="/members/{{.AuthorID}}">by {{.AuthorName}}</a>
        <time datetime="{{.CreatedAt.UTC.Format "2006-01-02T15:04:05Z07:00"}}">{{.CreatedAt.UTC.Format "2006-01-02 15:04 UTC"}}</time>
      </p>
      {{if $.Member}}<p class="idea-follow"><form class="inline-form follow-form" id="follow-{{.ID}}" method="post" action="/ideas/{{.ID}}/{{if .Following}}unfollow{{else}}follow{{end}}" hx-post="/ideas/{{.ID}}/{{if .Following}}unfollow{{else}}follow{{end}}" hx-target="this" hx-swap="outerHTML">
        <input type="hidden" name="_csrf" value="{{$.CSRF}}">
        <input type="hidden" name="next" value="/ideas/{{.ID}}/{{.Slug}}">
        <button type="submit" class="secondary follow-button{{if .Following}} following{{end}}" aria-pressed="{{.Following}}">{{if .Following}}Following{{else}}Follow{{end}}</button>
      </form></p>{{end}}
    </div>
  </header>
  {{with .AnswerHTML}}<aside class="team-answer" aria-label="The team's answer"><p class="answer-title">The team's answer</p><div class="markdown">{{.}}</div></aside>{{end}}
  <div class="markdown body">{{.BodyHTML}}</div>
  {{if .Voters}}<section class="voters" aria-labelledby="voters-title"><h2 id="voters-title">Voters</h2><ul>{{range .Voters}}<li>{{.}}</li>{{end}}</ul></section>{{end}}
  {{if and $.Member (ne .AuthorID $.Member.ID)}}{{template "report" (report $ "idea" .ID)}}{{end}}
  <section class="discussion" aria-labelledby="comments-title">
    <h2 id="comments-title">{{.Comments | len}} comments</h2>
    <ol class="comments">
      {{range .Comments}}
      <li class="comment{{if .ParentID}} reply{{end}}{{if .Deleted}} deleted{{end}}" id="comment-{{.ID}}">
        {{if .Deleted}}<p class="tombstone">This comment was deleted.</p>{{else}}
        <p class="meta"><a class="author" href="/members/{{.AuthorID}}">{{.AuthorName}}</a>{{if .Team}} <span class="badge team">Team</span>{{end}}
          <time datetime="{{.CreatedAt.UTC.Format "2006-01-02T15:04:05Z07:00"}}">{{.CreatedAt.UTC.Format "2006-01-02 15:04 UTC"}}</time></p>
        <div class="markdown">{{.Body}}</div>
        {{if $.Member}}
        {{if ne .AuthorID $.Member.ID}}{{template "report" (report $ "comment" .ID)}}{{end}}
        {{if and (not .ParentID) (not $.Idea.Locked)}}
        <details class="comment-reply">
          <summary>Reply</summary>
          <form method="post" action="/ideas/{{$.Idea.ID}}/comments" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="{{$.CSRF}}">
            <input type="hidden" name="parent_id" value="{{.ID}}">
            <label class="visually-hidden" for="reply-{{.ID}}">Reply</label>
            <textarea id="reply-{{.ID}}" name="body" rows="3" maxlength="10000" required></textarea>
            <button type="submit" class="secondary">Post reply</button>
          </form>
        </details>
        {{end}}
        {{end}}
        {{end}}
      </li>
      {{end}}
    </ol>
    {{if $.Member}}{{if not .Locked}}
    <form method="post" action="/ideas/{{.ID}}/comments" class="comment-form" enctype="multipart/form-data">
      <input type="hidden" name="_csrf" value="{{$.CSRF}}">
      <label for="comment-body">Add a comment</label>
      <textarea id="comment-body" name="body" rows="4" maxlength="10000" required></textarea>
      <button type="submit" class="primary">Post comment</button>
    </form>
    {{end}}{{else}}
    <p><a href="/login?next=%2f">Sign in to comment</a></p>
    {{end}}
  </section>
</article>
{{end}}{{template "foot" .}}{{end}}

{{define "report"}}
<details class="report">
  <summary>Report</summary>
  <form method="post" action="/reports"><input type="hidden" name="_csrf" value="{{.CSRF}}">
    <input type="hidden" name="target" value="{{.Target}}">
    <input type="hidden" name="id" value="{{.ID}}">
    <input type="hidden" name="next" value="{{.Next}}">
    <fieldset>
      <legend>Why should a moderator look at this?</legend>
      <label><input type="radio" name="reason" value="spam" required> Spam</label><label><input type="radio" name="reason" value="abusive"> Abusive</label><label><input type="radio" name="reason" value="off-topic"> Off topic</label><label><input type="radio" name="reason" value="other"> Something else</label>
    </fieldset>
    <label for="report-note-{{.Target}}-{{.ID}}">A note for the moderators (optional)</label>
    <textarea id="report-note-{{.Target}}-{{.ID}}" name="note" rows="2" maxlength="500"></textarea>
    <button type="submit" class="secondary">Send report</button>
  </form>
</details>
{{end}}

{{define "search"}}{{template "head" .}}
<h1>Search</h1>
<form class="filters" method="get" action="/search" role="search">
  <label class="visually-hidden" for="search-q">Search ideas</label>
  <input id="search-q" name="q" type="search" maxlength="200" value="{{.Query}}" placeholder="Search ideas">
  <button type="submit" class="secondary">Search</button>
</form>
{{if .Results}}
<ol class="search-results">
  {{range .Results}}
  <li class="result">
    <h2><a href="/ideas/{{.ID}}/{{.Slug}}">{{.TitleHTML}}</a></h2>
    {{with .SnippetHTML}}<p class="snippet">{{.}}</p>{{end}}
    <p class="meta"><span class="status status-{{.StatusKind}}">{{.StatusName}}</span> <span>{{.Votes}} votes</span></p>
  </li>
  {{end}}
</ol>
<nav class="pager" aria-label="Pages"><a rel="next" href="/search?q={{.Query}}&amp;page=2">Next</a></nav>
{{else}}<p class="empty">No ideas match. <a href="/ideas/new?title={{.Query}}">Propose an idea</a></p>{{end}}
{{template "foot" .}}{{end}}
`
