# SPDX-License-Identifier: MIT
# cmake -DSCDOC=scdoc -DIN=page.scd -DOUT=page -P scdoc.cmake: a man page,
# whole or not at all (a failed build leaves no page to install).
execute_process(COMMAND ${SCDOC} INPUT_FILE ${IN} OUTPUT_FILE ${OUT}.tmp
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "scdoc failed on ${IN}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
