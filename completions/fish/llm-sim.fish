# fish completion for llm-sim(1)
complete -c llm-sim -f
complete -c llm-sim -s h -l help -d 'Print the usage and exit'
complete -c llm-sim -l host -x -a '127.0.0.1 localhost' -d 'Listen address (loopback only)'
complete -c llm-sim -l log -r -F -d 'Append one NDJSON line per request to FILE'
complete -c llm-sim -s p -l port -x -d 'TCP port, 0 picks a free one'
complete -c llm-sim -l port-file -r -F -d 'Write the chosen port to FILE'
complete -c llm-sim -s q -l quiet -d 'Do not print the listening address'
complete -c llm-sim -l threads -x -d 'Worker threads'
complete -c llm-sim -l version -d 'Print the name and version and exit'
