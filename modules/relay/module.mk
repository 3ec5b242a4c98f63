relay_LIBS := -lrem -lgpiod
