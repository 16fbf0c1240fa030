-- smartpixl:no-transaction
-- Every writer instance appends to the last page of PiXL.Test's ascending keys at once: let the engine pace
-- those inserts instead of letting them convoy on the last-page latch. One index per statement.
ALTER INDEX PK_Test ON PiXL.Test SET (OPTIMIZE_FOR_SEQUENTIAL_KEY = ON);
GO
ALTER INDEX IX_Test_RowVer ON PiXL.Test SET (OPTIMIZE_FOR_SEQUENTIAL_KEY = ON);
GO
