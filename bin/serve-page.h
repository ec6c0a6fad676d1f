/*
 * serve-page.h — the status page llm-serve sends for GET /: one
 * self-contained HTML document (inline CSS and JS, no external assets)
 * that renders GET /status.json and refreshes itself. A token for the
 * JSON endpoint can be given in the address as #token=TOKEN.
 */
#ifndef SERVE_PAGE_H
#define SERVE_PAGE_H

static const char serve_page[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
"<title>llm-serve status</title>\n"
"<style>\n"
"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}\n"
"h1{font-size:1.3em;margin:0 0 .3em}\n"
"#meta{color:#666;margin-bottom:1em}\n"
"table{border-collapse:collapse;width:100%;background:#fff}\n"
"th,td{padding:.35em .6em;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:middle}\n"
"th{background:#f0f0f0;font-weight:600}\n"
"td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
".state{display:inline-block;padding:.1em .5em;border-radius:.7em;font-size:.9em}\n"
".s-ok{background:#d8f5d8;color:#185c18}.s-cooling{background:#fff0c2;color:#7a5600}\n"
".s-parked{background:#e4e4ff;color:#30307a}.s-dead{background:#ffd9d9;color:#8a1010}\n"
".bar{position:relative;width:9em;height:1em;background:#eee;border-radius:.2em;overflow:hidden;display:inline-block;vertical-align:middle}\n"
".bar>i{position:absolute;left:0;top:0;bottom:0;background:#6a9be0}\n"
".bar.hot>i{background:#e0806a}\n"
".lbl{font-size:.85em;color:#555;margin-left:.4em}\n"
".why{font-size:.85em;color:#666}\n"
"#err{color:#a00}\n"
"</style></head><body>\n"
"<h1>llm-serve</h1>\n"
"<div id=\"meta\">loading&hellip;</div><div id=\"err\"></div>\n"
"<table><thead><tr><th>entry</th><th>quota owner</th><th>state</th><th>left</th>"
"<th>minute</th><th>day</th><th>in flight</th><th>latency</th><th>success</th></tr></thead>\n"
"<tbody id=\"rows\"></tbody></table>\n"
"<script>\n"
"(function(){\n"
"var data=[],fetched=0,tok=(location.hash.match(/token=([^&]+)/)||[])[1];\n"
"function el(t,c,x){var e=document.createElement(t);if(c)e.className=c;if(x!=null)e.textContent=x;return e;}\n"
"function bar(u){var td=el('td');if(!u||!u.limit){td.textContent=u&&u.used?String(u.used):'-';return td;}\n"
" var f=Math.min(1,u.used/u.limit),b=el('span','bar'+(f>=.9?' hot':'')),i=el('i');i.style.width=(f*100).toFixed(1)+'%';\n"
" b.appendChild(i);td.appendChild(b);td.appendChild(el('span','lbl',u.used+'/'+u.limit));return td;}\n"
"function left(r){if(!r.until)return '';var s=(r.until-Date.now())/1000;return s>0?s.toFixed(0)+'s':'';}\n"
"function render(){var tb=document.getElementById('rows');tb.textContent='';\n"
" data.forEach(function(r){var tr=el('tr');tr.setAttribute('data-entry',r.id);\n"
"  var st=r.state;if(r.until&&r.until<=Date.now())st='ok';\n"
"  var td=el('td');td.appendChild(el('div','',r.id));if(r.why&&st!='ok')td.appendChild(el('div','why',(r.kind||'')+': '+r.why));tr.appendChild(td);\n"
"  tr.appendChild(el('td','',r.quota));\n"
"  td=el('td');td.appendChild(el('span','state s-'+st,st));tr.appendChild(td);\n"
"  tr.appendChild(el('td','num left',left(r)));\n"
"  tr.appendChild(bar(r.minute));tr.appendChild(bar(r.day));\n"
"  tr.appendChild(el('td','num',String(r.inflight||0)));\n"
"  tr.appendChild(el('td','num',r.latency_ms?r.latency_ms+' ms':'-'));\n"
"  tr.appendChild(el('td','num',r.success!=null?r.success+'% of '+(r.ok+r.errors):'-'));\n"
"  tb.appendChild(tr);});\n"
" var n={};data.forEach(function(r){n[r.state]=(n[r.state]||0)+1;});\n"
" document.getElementById('meta').textContent=data.length+' entries'+Object.keys(n).map(function(k){return ', '+n[k]+' '+k;}).join('')+\n"
"  (fetched?' \\u2014 updated '+new Date(fetched).toLocaleTimeString():'');}\n"
"function load(){var h={};if(tok)h.Authorization='Bearer '+decodeURIComponent(tok);\n"
" fetch('status.json',{headers:h,cache:'no-store'}).then(function(r){if(!r.ok)throw new Error('HTTP '+r.status);return r.json();})\n"
" .then(function(j){data=j;fetched=Date.now();document.getElementById('err').textContent='';render();})\n"
" .catch(function(e){document.getElementById('err').textContent='status.json: '+e.message;});}\n"
"load();setInterval(load,2000);setInterval(render,1000);\n"
"})();\n"
"</script></body></html>\n";

#endif
