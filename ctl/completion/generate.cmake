# Writes the bash and zsh completion of rolewallctl from their templates, with the verbs and
# options that the built rolewallctl reports ("rolewallctl --completion-words"): one list, so
# that a verb or option added to rolewallctl reaches both shells without editing them.
#   cmake -DCTL=rolewallctl -DSRC=ctl/completion -DOUT=dir -P generate.cmake
execute_process(COMMAND "${CMAKE_COMMAND}" -E env ASAN_OPTIONS=detect_leaks=0
                        "${CTL}" --completion-words
                OUTPUT_VARIABLE words RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${CTL} --completion-words failed (${rc})")
endif()
string(REPLACE "\n" ";" lines "${words}")
set(verbs "")
set(options "")
set(value_options "")
foreach(line IN LISTS lines)
  if(line MATCHES "^verb ([a-z][a-z0-9-]*)$")
    list(APPEND verbs "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^option (--[a-z][a-z0-9-]*)(=?)$")
    list(APPEND options "${CMAKE_MATCH_1}")
    if(CMAKE_MATCH_2)
      list(APPEND value_options "${CMAKE_MATCH_1}")
    endif()
  elseif(NOT line STREQUAL "")
    message(FATAL_ERROR "${CTL} --completion-words: unexpected line '${line}'")
  endif()
endforeach()
if(NOT verbs OR NOT options)
  message(FATAL_ERROR "${CTL} --completion-words gave no verbs or no options")
endif()
list(JOIN verbs " " ROLEWALL_VERBS)
list(JOIN options " " ROLEWALL_OPTIONS)
list(JOIN value_options " " ROLEWALL_VALUE_OPTIONS)
configure_file("${SRC}/rolewallctl.bash.in" "${OUT}/rolewallctl" @ONLY)
configure_file("${SRC}/_rolewallctl.zsh.in" "${OUT}/_rolewallctl" @ONLY)
