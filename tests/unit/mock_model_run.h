/* mock_model_run.h -- the switches of mock_model_run.c */
#ifndef QG_MOCK_MODEL_RUN_H
#define QG_MOCK_MODEL_RUN_H

extern int mock_artifact_fail;
extern const char *mock_addf_fail_fmt;
extern const char *mock_json_fail_key;
extern int mock_error_calls;

void mock_model_run_reset(void);

#endif
